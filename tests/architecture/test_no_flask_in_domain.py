"""Domain packages speak plain Python: none of them may import Flask, directly or indirectly."""

import importlib
import pkgutil
import subprocess
import sys

import pytest

import assetmap

DOMAIN_PACKAGES = [
    "accounts",
    "directory",
    "geo",
    "matching",
    "freshness",
    "outbox",
    "verification",
]


def _modules(package: str) -> list[str]:
    module = importlib.import_module(f"assetmap.{package}")
    return [module.__name__] + [
        info.name for info in pkgutil.walk_packages(module.__path__, module.__name__ + ".")
    ]


@pytest.mark.parametrize("package", DOMAIN_PACKAGES)
def test_domain_package_does_not_import_flask(package):
    assert (assetmap.PROJECT_ROOT / "assetmap" / package).is_dir()
    code = (
        "import importlib, sys\n"
        f"for name in {_modules(package)!r}: importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'werkzeug'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"assetmap.{package} pulls in {result.stdout.strip()}"
