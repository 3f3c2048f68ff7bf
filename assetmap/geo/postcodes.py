"""UK postcodes: normalise what people type ("nw51aa") to the form the gazetteer keys on, and
read a district or sector ("NW5", "NW5 2") as the postcodes it stands for."""

from __future__ import annotations

import re

from assetmap.errors import ValidationError

# Outward code (area + district) then inward code (sector digit + unit letters). Covers every
# live format (A9, A99, AA9, AA99, A9A, AA9A) plus the GIR 0AA special case.
_POSTCODE = re.compile(r"^(GIR0AA|[A-Z]{1,2}[0-9][0-9A-Z]?[0-9][A-Z]{2})$")


def normalise_postcode(text: str) -> str:
    """Return the postcode in canonical form ("NW5 1AA") or raise ValidationError."""
    compact = re.sub(r"\s+", "", text or "").upper()
    if not _POSTCODE.match(compact):
        raise ValidationError(f"{text.strip()!r} is not a UK postcode", field="postcode")
    return f"{compact[:-3]} {compact[-3:]}"


def is_postcode(text: str) -> bool:
    """True if ``text`` looks like a full UK postcode (whether or not it exists)."""
    return bool(_POSTCODE.match(re.sub(r"\s+", "", text or "").upper()))


# A postcode district ("NW5", "WC1H") and, optionally, its sector digit ("NW5 2").
_DISTRICT = re.compile(r"^([A-Z]{1,2}[0-9][0-9A-Z]?)(?: ([0-9]))?$")


def postcode_prefixes(text: str) -> list[str]:
    """The starts of the full postcodes ("NW5 ", "NW5 2") that a district or sector typed as
    ``text`` stands for, most likely first; empty when it is neither.

    Typed without its space, "E14" is the district E14 before the sector E1 4."""
    spaced = re.sub(r"\s+", " ", (text or "").strip().upper())
    found = _DISTRICT.match(spaced)
    if found is None:
        return []
    district, sector = found.groups()
    if sector is not None:
        return [f"{district} {sector}"]
    prefixes = [f"{district} "]
    compact = _DISTRICT.match(f"{district[:-1]} {district[-1]}")
    if district[-1].isdigit() and compact is not None and len(district) > 2:
        prefixes.append(f"{district[:-1]} {district[-1]}")
    return prefixes
