"""Floor 6: `watcher browse`, Datasette over the state database with the CLI's search."""
