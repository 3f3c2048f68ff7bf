"""The real postcode files the gazetteer tests load: the Code-Point Open subset (zipped as OS
ships it) and the ONSPD-format file written from it (tests/data/codepoint, tests/data/onspd)."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

from pyproj import Transformer

DATA = Path(__file__).parent.parent / "data"
CODEPOINT = DATA / "codepoint"
ONSPD = DATA / "onspd" / "ONSPD_subset_UK.csv"
#: Located postcodes in the subset (511 rows, 2 of them quality 90).
LOCATED = 509


def codepoint_zip(folder: Path, name: str = "codepo_gb.zip") -> Path:
    """The subset zipped under ``folder`` in the product's layout (Doc/, Data/CSV/)."""
    path = folder / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(CODEPOINT.rglob("*")):
            if file.is_file() and file.name != "README.md":
                archive.write(file, file.relative_to(CODEPOINT).as_posix())
    return path


def grid_points(prefix: str) -> dict[str, tuple[float, float]]:
    """The subset's located postcodes starting ``prefix``, at (lat, lon) worked out here
    independently of assetmap's reader (PROJ's own pipeline, point by point)."""
    to_wgs84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    found = {}
    for path in sorted((CODEPOINT / "Data" / "CSV").glob("*.csv")):
        for row in csv.reader(path.open(newline="")):
            if row[0].startswith(prefix) and row[1] != "90":
                lon, lat = to_wgs84.transform(float(row[2]), float(row[3]))
                found[row[0]] = (lat, lon)
    return found
