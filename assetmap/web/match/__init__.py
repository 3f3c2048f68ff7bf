"""The link worker's match page and the person's printed plan (a feature folder).

``pages`` is the blueprint and its views; ``query`` turns the form's query string into the
match request and errors back onto the form; ``results`` and ``plan`` are what each page shows;
``notes`` words the engine's reason and warning codes for the link worker and the person.
"""

from assetmap.web.match.pages import match_pages

__all__ = ["match_pages"]
