"""Pages for staff: the admin's moderation queue, trusted organisations, and a listing's history.

Admins see organisers' changes waiting for approval, field by field against the listing as it
is now, and approve or reject them (``moderation``); they mark organisations as trusted
(``organisations``) and put back earlier values (``history``). Link workers, community
builders and admins read any listing's history; organisers read their own groups' history.
Link workers and admins keep staff notes on listings (``notes``), word of mouth that no
one else sees; their changes show in the listing's history, to staff only. Admins find a
person's case by reference to see its audit, download or delete their data (``cases``).
Admins import directory files: upload, map a spreadsheet's columns, preview, import
(``imports``); they add import feeds and see how their pulls go (``feeds``); they merge likely
duplicate listings or keep them apart (``duplicates``). They list accounts, deactivate and
reactivate them and revoke their API tokens (``users``).
"""

from assetmap.web.staff import (
    cases,
    duplicates,
    feeds,
    history,
    imports,
    moderation,
    notes,
    organisations,
    users,
)
from assetmap.web.staff.blueprint import staff

__all__ = [
    "cases",
    "duplicates",
    "feeds",
    "history",
    "imports",
    "moderation",
    "notes",
    "organisations",
    "staff",
    "users",
]
