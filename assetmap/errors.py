"""Errors that carry their meaning: a machine code, an HTTP status and the field at fault."""

from __future__ import annotations


class AssetmapError(Exception):
    """Base of every error a user can cause; never a 500."""

    code = "error"
    http_status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def to_dict(self) -> dict[str, str | None]:
        """The JSON error body the API returns."""
        return {"code": self.code, "message": self.message, "field": self.field}


class ValidationError(AssetmapError):
    """Input that does not make sense: names the field and says what is wrong."""

    code = "invalid"
    http_status = 400


class NotFound(AssetmapError):
    code = "not_found"
    http_status = 404


class Forbidden(AssetmapError):
    """Signed in, but not allowed to do this (another organisation's group, wrong role)."""

    code = "forbidden"
    http_status = 403


class Conflict(AssetmapError):
    code = "conflict"
    http_status = 409


class ConfigError(AssetmapError):
    """A setting that cannot be used; raised at start-up."""

    code = "bad_config"
    http_status = 500


class TooManyRequests(AssetmapError):
    code = "too_many_requests"
    http_status = 429
