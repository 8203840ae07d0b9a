"""thaigov-watcher: watch thaigov.go.th, label what concerns a country or ministry, alert.

The package by floor; imports only point down (a floor imports from floors below it):

    core/       1  config, environment, errors, logs + redaction, Thai dates, the corpus format
    fetch/      2  polite httpx client: size caps, inflation bounds, robots.txt, pacing, addresses
    classify/   2  gazetteers, matcher, ranking, labels with evidence, evaluation
    match/      2  subscriptions: which item a subscriber's filters and words match
    store/      2  the only SQL: schema, migrations, items, search index, sources, outbox
    ingest/     3  the way in: corpus readers, the one-item pipeline, workers, near-duplicates
    query/      3  search, export, stats, charts (+ the shipped Thai font), filter codes
    sources/    3  source kinds (sequence, listing, feed), frontier, page parsers, backfill
    channels/   4  registry, outbox sender, digests, rendering; telegram/, email/, apprise, atom/
    daemon/     5  `watcher run`: assembly, scheduler, run summary, health, the daemon lock
    cli/        6  click commands, thin: parse, call, print (tables in cli/table.py)
    demo/       6  `watcher demo`: the offline replay site and Bot API stand-in
    browse/     6  `watcher browse`: the Datasette plugin and its app
    data/          the demo's sample of the public-domain corpus (300 items)
    templates/     e-mail templates
"""

__version__ = "0.1.0"
