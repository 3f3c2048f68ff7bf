"""The freshness workflow: keeping listings true once they are published.

The nightly ``scan`` opens re-verification tasks and queues ``reminders``; organisers answer
them (``answers``); link workers work the ``tasks`` queue; ``dashboard`` counts it all. The rules
it applies (when a listing is fresh, due or stale) and the way a check is recorded are the
verification kernel's (``assetmap.verification``), shared with the directory.
"""
