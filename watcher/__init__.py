"""thaigov-watcher: watch thaigov.go.th, label what concerns a country or ministry, alert."""

__version__ = "0.1.0"
