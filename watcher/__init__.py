"""thaigov-watcher: watch thaigov.go.th, label what concerns a country or ministry, alert.

The map, one line a folder, top (the command line) to bottom (the core). Imports only point
down the floors, never up, and never in a circle (tests/test_layers.py holds the floors):

    cli/        7  the `watcher` command: thin click commands over the floors below
    demo/       7  `watcher demo`: a local replay of the site, offline, from data shipped here
    browse/     7  `watcher browse`: Datasette over the database, with the CLI's search
    daemon/     6  `watcher run`: one scheduler for every job, start summary, health, the lock
    sources/    5  source kinds (sequence, listing, feed), page parsers, frontier, one cycle
    channels/   5  delivery: registry, outbox sender, digests; telegram/, email/, apprise, atom/
    ingest/     4  the way in: corpus readers, pipeline (dedupe, classify, near-duplicates)
    query/      4  asking the history: search, filters, export, counts, charts, codes
    store/      3  SQLite through sqlite-utils: the only SQL (schema, items, search, outbox)
    match/      2  what a query or a subscription means: the search language, matching
    classify/   2  countries, blocs and ministries with their evidence (gazetteers in config/)
    fetch/      2  polite HTTP: size caps, bounded decompression, robots.txt, pacing
    core/       1  settings, environment, errors, logs and redaction, Thai dates, item format

Beside the code: templates/ (every message a person reads) and data/ (the demo's sample).
"""

__version__ = "0.1.0"
