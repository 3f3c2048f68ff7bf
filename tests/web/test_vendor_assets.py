"""The front-end assets the project serves itself: pages must not reach the internet for them."""

import re
from pathlib import Path

VENDOR = Path(__file__).resolve().parents[2] / "assetmap" / "static" / "vendor"


def test_vendored_stylesheets_load_nothing_from_other_sites() -> None:
    sheets = sorted(VENDOR.rglob("*.css"))
    assert sheets, "run `make install` first: the vendored assets are missing"
    for sheet in sheets:
        remote = re.findall(r"url\(\s*['\"]?(?:https?:)?//", sheet.read_text(encoding="utf-8"))
        assert not remote, f"{sheet.name} loads {len(remote)} files from other sites"
