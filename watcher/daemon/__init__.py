"""Floor 5, `watcher run`: the one scheduler, the start summary, health, the daemon lock."""
