"""Floor 2: polite HTTP (client, robots.txt, pacing, address checks, bounded decompression)."""
