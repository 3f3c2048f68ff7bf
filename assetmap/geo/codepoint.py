"""OS Code-Point Open: the open GB postcode product. One CSV per postcode area
(``Data/CSV/nw.csv``), no header row, the columns of ``Doc/Code-Point_Open_Column_Headers.csv``,
each postcode at a British National Grid easting and northing (EPSG:27700), turned into WGS84
latitude and longitude here a chunk of rows at a time."""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Iterable, Iterator

import numpy as np
from pyproj import Transformer

from assetmap.errors import ValidationError
from assetmap.geo.gazetteer import ReadRow, Skipped
from assetmap.geo.postcodes import normalise_postcode

#: The columns as the user guide and ``Doc/Code-Point_Open_Column_Headers.csv`` name them.
COLUMNS = (
    "Postcode",
    "Positional_quality_indicator",
    "Eastings",
    "Northings",
    "Country_code",
    "NHS_regional_HA_code",
    "NHS_HA_code",
    "Admin_county_code",
    "Admin_district_code",
    "Admin_ward_code",
)
#: The positional quality indicators the user guide lists: 10 (within the building of the
#: matched address closest to the postcode mean) to 60, and 90: no coordinates (0, 0).
QUALITIES = frozenset({10, 20, 30, 40, 50, 60, 90})
NO_COORDINATES = 90
#: The National Grid's extent in metres, (0, 0) to (700 km, 1300 km).
MAX_EASTING, MAX_NORTHING = 700_000, 1_300_000
#: Rows converted per call to PROJ.
CHUNK = 20_000
#: Where a zip of the product keeps its data files.
DATA_MEMBER = re.compile(r"(?:^|/)Data/CSV/[a-z]{1,2}\.csv$", re.IGNORECASE)
#: A postcode already in canonical form, as the product writes almost all of them: taken as it
#: is, without normalising (a third of the reading time on a national file).
_CANONICAL = re.compile(r"[A-Z]{1,2}[0-9][0-9A-Z]? [0-9][A-Z]{2}")


@functools.cache
def _to_wgs84() -> Transformer:
    """Built once: PROJ picks the best OSGB36 → WGS84 operation it has (OSTN15 when its grid is
    installed, else the 7-parameter Helmert good to about 2 m)."""
    return Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


def grid_to_wgs84(eastings: np.ndarray, northings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(latitudes, longitudes) of National Grid points, vectorised over the arrays."""
    lon, lat = _to_wgs84().transform(eastings, northings)
    return np.asarray(lat), np.asarray(lon)


def is_codepoint_member(name: str) -> bool:
    """True for a data file of the product's zip (``Data/CSV/nw.csv``)."""
    return bool(DATA_MEMBER.search(name))


def looks_like_codepoint(first_row: list[str]) -> bool:
    """True when a CSV's first row is Code-Point data rather than a header: a postcode, then a
    positional quality number."""
    if len(first_row) < 4:
        return False
    try:
        normalise_postcode(first_row[0])
    except ValidationError:
        return False
    return first_row[1].strip().isdigit()


def read_codepoint_lines(lines: Iterable[str], name: str) -> Iterator[ReadRow]:
    """Yield (postcode, lat, lon, None) per row of one Code-Point CSV, or Skipped.NO_LOCATION
    for a postcode with quality 90; a malformed row raises ValidationError naming ``name`` and
    the line, before anything after it is yielded."""
    postcodes: list[str] = []
    eastings: list[float] = []
    northings: list[float] = []
    for line, row in enumerate(csv.reader(lines), start=1):
        if not row:
            continue
        parsed = _parse(row, name, line)
        if parsed is None:
            yield Skipped.NO_LOCATION
            continue
        postcodes.append(parsed[0])
        eastings.append(parsed[1])
        northings.append(parsed[2])
        if len(postcodes) >= CHUNK:
            yield from _converted(postcodes, eastings, northings)
            postcodes, eastings, northings = [], [], []
    yield from _converted(postcodes, eastings, northings)


def _parse(row: list[str], name: str, line: int) -> tuple[str, float, float] | None:
    """(postcode, easting, northing), or None for quality 90 (no coordinates)."""

    def bad(detail: str) -> ValidationError:
        return ValidationError(f"{name} line {line}: {detail}", field="file")

    if len(row) < 4:
        raise bad(
            f"expected Code-Point Open's columns ({', '.join(COLUMNS[:4])}, ...),"
            f" found {len(row)} value(s)"
        )
    postcode = row[0]
    if not _CANONICAL.fullmatch(postcode):
        try:
            postcode = normalise_postcode(postcode)
        except ValidationError as exc:
            raise bad(exc.message) from None
    quality = row[1].strip()
    if not quality.isdigit() or int(quality) not in QUALITIES:
        raise bad(f"Positional_quality_indicator {quality[:10]!r} is not one of 10-60 or 90")
    if int(quality) == NO_COORDINATES:
        return None
    try:
        easting, northing = float(row[2]), float(row[3])
    except ValueError:
        raise bad("Eastings/Northings is not a number") from None
    if not (0 <= easting <= MAX_EASTING and 0 <= northing <= MAX_NORTHING):
        raise bad(f"{easting:g}, {northing:g} is outside the British National Grid")
    return postcode, easting, northing


def _converted(
    postcodes: list[str], eastings: list[float], northings: list[float]
) -> Iterator[ReadRow]:
    if not postcodes:
        return
    lat, lon = grid_to_wgs84(np.array(eastings), np.array(northings))
    # To 6 places (about 0.1 m), as ONSPD gives them.
    lats, lons = np.round(lat, 6).tolist(), np.round(lon, 6).tolist()
    for postcode, y, x in zip(postcodes, lats, lons, strict=True):
        yield postcode, y, x, None
