"""The Telegram channel: sending, rendering, the bot's commands and its service in `watcher run`."""
