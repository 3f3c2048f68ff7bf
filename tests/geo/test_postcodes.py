import pytest

from assetmap.errors import ValidationError
from assetmap.geo.postcodes import is_postcode, normalise_postcode


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("nw51aa", "NW5 1AA"),
        ("NW5 1AA", "NW5 1AA"),
        ("  nw5   1aa ", "NW5 1AA"),
        ("wc1h9aa", "WC1H 9AA"),
        ("n65aa", "N6 5AA"),
        ("ec1a1bb", "EC1A 1BB"),
        ("m11ae", "M1 1AE"),
        ("gir0aa", "GIR 0AA"),
    ],
)
def test_postcodes_are_normalised(typed, canonical):
    assert normalise_postcode(typed) == canonical


@pytest.mark.parametrize("text", ["", "NW5", "12345", "NW5 1A", "NW51AAA", "hello", "NW5 AAA"])
def test_non_postcodes_are_rejected_naming_the_field(text):
    with pytest.raises(ValidationError) as raised:
        normalise_postcode(text)
    assert raised.value.field == "postcode"
    assert not is_postcode(text)
