"""The columns of the matcher's covering indexes on ``groups``: what its judging reads of
each group near a person, so that no group's row (with its stored document) is read to judge
it (migrations 0003, 0025, 0026, 0030, 0032)."""

from __future__ import annotations

from assetmap.models.enums import ACCESSIBILITY_FLAGS

#: SQLite's ``ix_groups_matching`` (0003's order); PostgreSQL's ``ix_groups_judging`` less the
#: texts, behind the venue.
MATCHING_COLUMNS: tuple[str, ...] = (
    "venue_id",
    "status",
    "gender",
    "min_age",
    "max_age",
    "cost_free",
    "cost_amount_gbp",
    "complexity_supported",
    "complex_needs_places",
    "door_to_door_available",
    "door_to_door_radius_km",
    *ACCESSIBILITY_FLAGS,
    "referrals_paused_until",  # migration 0025
    "category_mask",  # migration 0032
    "name",
    "description",
)
#: PostgreSQL's ``ix_groups_judging`` INCLUDE columns.
JUDGING_COLUMNS = ["id", *MATCHING_COLUMNS[1:-2]]
