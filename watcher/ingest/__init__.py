"""Floor 3, the way in: corpus readers, the pipeline (dedupe, classify, near-duplicates,
store) and its workers."""
