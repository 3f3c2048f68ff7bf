"""Interop: the directory in and out of other systems (Open Referral UK 3.0, council directory
feeds, spreadsheets, calendars), with each listing's provenance and a queue of likely
duplicates. Readers turn a source into :class:`~assetmap.interop.load.SourceRecord` s in the
listing contract; :func:`~assetmap.interop.load.load_source` writes them all or nothing.
"""
