"""The Atom channel: feeds of stored items, written (`watcher feed`) or served (`watcher serve`)."""
