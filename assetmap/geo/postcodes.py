"""UK postcodes: normalise what people type ("nw51aa") to the form the gazetteer keys on."""

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
