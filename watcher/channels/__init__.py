"""Telling people: rendering, channels (Telegram, e-mail) and the outbox sender."""
