"""Floor 3: asking the history (the search language, filters), export, counts and charts."""
