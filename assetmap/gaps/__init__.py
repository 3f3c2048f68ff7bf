"""Gap analysis: where people who need a kind of provision cannot reach any.

``profile`` (the question: a need profile and the ready-made ones), ``supply`` (the groups that
fit it), ``demand`` (postcode points weighted by their areas' target people; unmet needs),
``catchment`` (the numpy arithmetic: E2SFCA, coverage, nearest, the gap score) and
``analysis`` (``analyse`` and ``what_if``). No Flask here, and no import of ``matching``: the two
stand side by side over geo, the directory and the verification kernel.
"""
