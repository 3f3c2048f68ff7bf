"""Matching: a person's profile in, ranked and explained groups out (no Flask here)."""

from assetmap.matching.engine import EXCLUSION_REASONS, match
from assetmap.matching.profile import Profile, Window
from assetmap.matching.results import Components, MatchResult, Option, Travel

__all__ = [
    "EXCLUSION_REASONS",
    "Components",
    "MatchResult",
    "Option",
    "Profile",
    "Travel",
    "Window",
    "match",
]
