"""Floor 2: what a query or a subscription means: the one search language, and matching new
items against every subscription (labels and words) when they are stored."""
