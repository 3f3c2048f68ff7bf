"""The verification kernel: when a listing counts as fresh, and how a check is recorded.

It sits below ``directory`` and ``freshness``, which both use it, and depends only on the core
(config, db, errors, models): so neither of them needs to import the other for these rules.
"""
