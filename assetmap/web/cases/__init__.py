"""The link worker's case pages (``/cases``): the blueprint and its views are in ``pages``; the
form's reading (the case, the match context it may carry) in ``forms``; the words in ``words``.
"""

from assetmap.web.cases.pages import cases

__all__ = ["cases"]
