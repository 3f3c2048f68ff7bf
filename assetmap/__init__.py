"""assetmap: a community asset map with a geospatial matching engine, for social prescribing."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assetmap.config import Config, resolve_secret

if TYPE_CHECKING:  # the package root stays importable without Flask, for the domain packages
    from flask import Flask

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Config | Mapping[str, Any] | None = None) -> Flask:
    """Build the web app: settings from the environment, then ``config`` overrides on top."""
    from flask import Flask

    if not isinstance(config, Config):
        config = Config.from_env().with_overrides(config or {})

    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        instance_path=str(Path(config.instance_path).resolve()),
    )
    app.config.update(
        SECRET_KEY=resolve_secret(config),
        TESTING=config.testing,
    )
    # JSON answers keep the order they were written in (the contract's order), unsorted.
    app.json.sort_keys = False  # type: ignore[attr-defined]

    from assetmap.web import init_app

    init_app(app, config)
    return app
