"""Floor 1, what every other floor stands on: settings, errors, logs and redaction, Thai
dates, the item format and its content hash."""
