"""Settings, read once from ``ASSETMAP_*`` environment variables.

This is the only module that reads the environment: everything else receives a ``Config``.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from apscheduler.triggers.cron import CronTrigger

from assetmap.errors import ConfigError

ENV_PREFIX = "ASSETMAP_"


@dataclass(frozen=True)
class Config:
    """Everything the app, the CLI and the scheduler can be configured with."""

    database_url: str = "sqlite:///instance/assetmap.db"
    # A PostgreSQL streaming replica of database_url for reads that tolerate a little lag
    # (search, the map and its API, listing pages, the ORUK API, calendars). Empty: none.
    database_read_url: str = ""
    # The replica is passed over while it is more than this many seconds behind (0: not
    # checked) ...
    database_read_max_lag_s: float = 5.0
    # ... and a browser that has just written reads from the primary for this many seconds,
    # so a person sees their own change at once.
    database_read_own_writes_s: float = 10.0
    secret_key: str = ""
    # Where the instance folder is (database file, generated secret key). Relative to the cwd.
    instance_path: str = "instance"
    # Freshness policy: a listing is stale this many days after its last verification ...
    freshness_expiry_days: int = 180
    # ... and "due" for re-verification this many days before it goes stale.
    freshness_due_days: int = 30
    # ... shorter for some categories, as "category=days,…" (e.g. "peer_support=90") ...
    freshness_category_expiry: str = ""
    # ... and "very stale" (ranked well down, with a strong warning) at this many expiries.
    freshness_very_stale_factor: float = 2.0
    # Organiser reminders: one every this many days, at most this many, then a link worker
    # takes over. A reminder's link works for freshness_link_days.
    freshness_reminder_days: int = 14
    freshness_reminders: int = 3
    freshness_link_days: int = 28
    # When the scheduler runs the freshness scan: a crontab line, in UTC.
    freshness_scan_cron: str = "30 2 * * *"
    # Where people reach the app: every absolute link (emails, the API's links, the OpenAPI
    # document's server, the printed plan) starts with it, never with a request's Host.
    public_url: str = "http://127.0.0.1:5000"
    # Host names the app answers for, comma-separated (".example.org": it and its
    # subdomains); a request for any other Host (X-Forwarded-Host behind trusted proxies) gets
    # a 400. The public URL's host is always one. Empty: that host, localhost and 127.0.0.1.
    trusted_hosts: tuple[str, ...] = ()
    # SpatiaLite extension to load into SQLite (Debian: libsqlite3-mod-spatialite).
    spatialite_library_path: str = "mod_spatialite"
    # Geocoders tried in order: "gazetteer" (the local postcode table) and/or "nominatim".
    geocoders: tuple[str, ...] = ("gazetteer",)
    nominatim_url: str = "https://nominatim.openstreetmap.org"
    nominatim_user_agent: str = "assetmap"
    # The directory team's address, published as ORUK's assurer_email beside each listing's
    # last check (empty: none published; never the address of the person who checked).
    oruk_assurer_email: str = ""
    # API paging and search radius limits.
    default_page_size: int = 50
    max_page_size: int = 1000
    default_radius_km: float = 5.0
    max_radius_km: float = 200.0
    # Where maps open when there is nothing to centre them on (the middle of Camden).
    map_centre_lat: float = 51.5450
    map_centre_lon: float = -0.1450
    # Map tiles: the only thing pages fetch from outside. Empty: no tiles (offline, tests).
    tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    tile_attribution: str = (
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
    )
    # Travel times for matching: "estimate" (distance and typical speeds, no data needed) or
    # "street_network" (shortest paths over the OpenStreetMap extract at osm_extract_path,
    # a .osm.pbf file) or "transit" (buses by the timetable of the feeds loaded with
    # import-transit, where one covers the journey; the estimate elsewhere).
    travel_provider: str = "estimate"
    osm_extract_path: str = ""
    # Door-to-door transport further than this from its venue is not searched for: no
    # community minibus round is longer, and the search box must stay small.
    max_pickup_radius_km: float = 25.0
    # Email (assetmap.outbox): delivered over SMTP when smtp_url is set, as
    # smtp://user:pass@host:port, smtps://… (TLS from the start) or smtp://…?starttls=1;
    # otherwise written as .eml files into outbox_dir, so a setup without a mail server
    # still keeps every message where someone can read it.
    smtp_url: str = ""
    mail_from: str = "assetmap <no-reply@localhost>"
    outbox_dir: str = "instance/outbox"
    # Cookies only over HTTPS. Also on whenever the public URL is https:// (cookies_secure).
    secure_cookies: bool = False
    # A signed-in session ends after this many minutes without a request, and this many
    # hours after signing in whatever its use (signing out, a new password or deactivation
    # end every session of the account at once).
    session_idle_minutes: int = 120
    session_max_hours: int = 12
    # Where login throttling keeps its counts: database:// (a table in the app's own
    # database, shared by every worker and machine), memory:// (this process alone: tests) or
    # any `limits` store such as redis://host:6379.
    ratelimit_storage_url: str = "database://"
    # Connections each engine of each process keeps (pool size) and may open on top in a
    # burst (max overflow), and how long a request waits for one before it fails. Unset
    # (None): derived from the threads serving requests (`assetmap serve --threads`).
    database_pool_size: int | None = None
    database_max_overflow: int | None = None
    database_pool_timeout: float = 10.0
    # Web requests only (the CLI, the scheduler and benchmarks have no such limits): a
    # statement running longer than this is cancelled (PostgreSQL's statement_timeout; 0:
    # none), and a request waits at most this long for a lock another holds (PostgreSQL's
    # lock_timeout, SQLite's busy timeout). Either answers 503, never a hung thread.
    database_statement_timeout_s: float = 30.0
    database_lock_timeout_s: float = 10.0
    # The largest request body a page or the API accepts (413 above it; the admin's import
    # upload has its own limit, the largest file it reads).
    max_request_bytes: int = 1024 * 1024
    # How many reverse proxies in front of the app set X-Forwarded-For/-Proto/-Host (0: trust
    # none; the client address is then the proxy's, and every client shares one login limit).
    trusted_proxies: int = 0
    # Referrals: a referral nobody has answered holds a place this many days, and is marked
    # "no response" after this many; the organiser's emailed link works for this many.
    referral_hold_days: int = 7
    referral_no_response_days: int = 10
    referral_link_days: int = 21
    # Follow-up calls, this many weeks after the group accepted the person ("2,6").
    referral_follow_up_weeks: str = "2,6"
    # A case's personal data is erased this many months after its last activity.
    case_retention_months: int = 24
    testing: bool = False

    def __post_init__(self) -> None:
        self._check_read_replica()
        self._check_sessions()
        self._check_freshness()
        self._check_public_url()
        if not 1 <= self.default_page_size <= self.max_page_size:
            raise ConfigError("ASSETMAP_DEFAULT_PAGE_SIZE must be from 1 to ASSETMAP_MAX_PAGE_SIZE")
        if not (-90 <= self.map_centre_lat <= 90 and -180 <= self.map_centre_lon <= 180):
            raise ConfigError("ASSETMAP_MAP_CENTRE_LAT/LON must be a latitude and a longitude")
        if not 0 < self.default_radius_km <= self.max_radius_km:
            raise ConfigError("ASSETMAP_DEFAULT_RADIUS_KM must be above 0 and at most the maximum")
        if self.travel_provider not in {"estimate", "street_network", "transit"}:
            raise ConfigError(
                'ASSETMAP_TRAVEL_PROVIDER must be "estimate", "street_network" or "transit"'
            )
        if self.travel_provider == "street_network" and not self.osm_extract_path:
            raise ConfigError(
                "ASSETMAP_TRAVEL_PROVIDER=street_network needs ASSETMAP_OSM_EXTRACT_PATH "
                "(an OpenStreetMap .osm.pbf extract)"
            )
        if not 0 <= self.max_pickup_radius_km <= 500:
            raise ConfigError("ASSETMAP_MAX_PICKUP_RADIUS_KM must be from 0 to 500")
        # Checked here so a typo stops start-up instead of failing every send later on.
        # The URL itself is never echoed: it may hold a password.
        if self.smtp_url and urlsplit(self.smtp_url).scheme not in {"smtp", "smtps"}:
            raise ConfigError("ASSETMAP_SMTP_URL must start with smtp:// or smtps://")
        if "@" not in parseaddr(self.mail_from)[1]:
            raise ConfigError(
                'ASSETMAP_MAIL_FROM must be an address like "assetmap <no-reply@example.org>"'
            )
        if not 1 <= self.referral_hold_days <= 90 or not 1 <= self.referral_no_response_days <= 90:
            raise ConfigError(
                "ASSETMAP_REFERRAL_HOLD_DAYS and ASSETMAP_REFERRAL_NO_RESPONSE_DAYS must be "
                "from 1 to 90"
            )
        if not 1 <= self.referral_link_days <= 365:
            raise ConfigError("ASSETMAP_REFERRAL_LINK_DAYS must be from 1 to 365")
        if not 1 <= self.case_retention_months <= 120:
            raise ConfigError("ASSETMAP_CASE_RETENTION_MONTHS must be from 1 to 120")
        self.follow_up_weeks  # noqa: B018 -- checked at start-up, not on first use
        self._check_serving()
        if not self.smtp_url and not self.outbox_dir:
            raise ConfigError("ASSETMAP_OUTBOX_DIR must be set when ASSETMAP_SMTP_URL is not")

    def _check_freshness(self) -> None:
        if not 0 <= self.freshness_due_days < self.freshness_expiry_days:
            raise ConfigError(
                "ASSETMAP_FRESHNESS_DUE_DAYS must be at least 0 and less than "
                "ASSETMAP_FRESHNESS_EXPIRY_DAYS"
            )
        if not 1 <= self.freshness_reminder_days <= 365 or not 0 <= self.freshness_reminders <= 10:
            raise ConfigError(
                "ASSETMAP_FRESHNESS_REMINDER_DAYS must be from 1 to 365 and "
                "ASSETMAP_FRESHNESS_REMINDERS from 0 to 10"
            )
        if not 1 <= self.freshness_link_days <= 365:
            raise ConfigError("ASSETMAP_FRESHNESS_LINK_DAYS must be from 1 to 365")
        try:
            CronTrigger.from_crontab(self.freshness_scan_cron, timezone="UTC")
        except ValueError:
            raise ConfigError(
                'ASSETMAP_FRESHNESS_SCAN_CRON must be a crontab line like "30 2 * * *"'
            ) from None

    def _check_sessions(self) -> None:
        if not 1 <= self.session_idle_minutes <= 10080 or not 1 <= self.session_max_hours <= 720:
            raise ConfigError(
                "ASSETMAP_SESSION_IDLE_MINUTES must be from 1 to 10080 and "
                "ASSETMAP_SESSION_MAX_HOURS from 1 to 720"
            )

    def _check_read_replica(self) -> None:
        """A replica is a PostgreSQL streaming standby of a PostgreSQL primary. The URLs are
        never echoed: they may hold a password."""
        if not 0 <= self.database_read_max_lag_s <= 3600:
            raise ConfigError("ASSETMAP_DATABASE_READ_MAX_LAG_S must be from 0 to 3600")
        if not self.database_read_max_lag_s <= self.database_read_own_writes_s <= 3600:
            raise ConfigError(
                "ASSETMAP_DATABASE_READ_OWN_WRITES_S must be from ASSETMAP_DATABASE_READ_MAX_LAG_S "
                "to 3600: a person must not read from a replica that may not have their change yet"
            )
        if not self.database_read_url:
            return
        if not _is_postgres(self.database_read_url):
            raise ConfigError(
                "ASSETMAP_DATABASE_READ_URL must be a PostgreSQL streaming replica "
                "(postgresql+psycopg://…): SQLite has no replicas"
            )
        if not _is_postgres(self.database_url):
            raise ConfigError(
                "ASSETMAP_DATABASE_READ_URL needs a PostgreSQL ASSETMAP_DATABASE_URL: a read "
                "replica cannot be used with SQLite"
            )

    def _check_public_url(self) -> None:
        try:
            parts = urlsplit(self.public_url)
            parts.port  # noqa: B018 -- a port that is not a number raises here
        except ValueError:
            parts = urlsplit("")
        if parts.scheme not in {"http", "https"} or not _is_host(self.public_host):
            raise ConfigError(
                "ASSETMAP_PUBLIC_URL must start with http:// or https:// and a host name, "
                'like "https://map.example.org"'
            )
        if parts.query or parts.fragment or parts.username is not None:
            raise ConfigError(
                "ASSETMAP_PUBLIC_URL must be an address with no query, fragment or password"
            )
        for host in self.trusted_hosts:
            if not isinstance(host, str) or not _is_host(host.lower().removeprefix(".")):
                raise ConfigError(
                    f"ASSETMAP_TRUSTED_HOSTS: {host!r} is not a host name: give names like "
                    '"map.example.org" or ".example.org" (and its subdomains), separated by '
                    "commas, without http:// or a port"
                )

    def _check_serving(self) -> None:
        if self.database_pool_size is not None and not 1 <= self.database_pool_size <= 1000:
            raise ConfigError("ASSETMAP_DATABASE_POOL_SIZE must be from 1 to 1000 (or unset)")
        if self.database_max_overflow is not None and not 0 <= self.database_max_overflow <= 1000:
            raise ConfigError("ASSETMAP_DATABASE_MAX_OVERFLOW must be from 0 to 1000 (or unset)")
        if not 0 < self.database_pool_timeout <= 600:
            raise ConfigError("ASSETMAP_DATABASE_POOL_TIMEOUT must be above 0 and at most 600 s")
        if not 0 <= self.database_statement_timeout_s <= 3600:
            raise ConfigError("ASSETMAP_DATABASE_STATEMENT_TIMEOUT_S must be from 0 to 3600 s")
        if not 0 < self.database_lock_timeout_s <= 600:
            raise ConfigError("ASSETMAP_DATABASE_LOCK_TIMEOUT_S must be above 0 and at most 600 s")
        if not 16 * 1024 <= self.max_request_bytes <= 1024**3:
            raise ConfigError("ASSETMAP_MAX_REQUEST_BYTES must be from 16384 to 1073741824")
        if not 0 <= self.trusted_proxies <= 5:
            raise ConfigError("ASSETMAP_TRUSTED_PROXIES must be from 0 to 5")
        if "://" not in self.ratelimit_storage_url:
            raise ConfigError(
                "ASSETMAP_RATELIMIT_STORAGE_URL must be a store URL such as database://, "
                "memory:// or redis://host:6379"
            )

    def pool_sizes(self, threads: int | None = None) -> tuple[int, int]:
        """Pool size and max overflow for an engine shared by ``threads`` request threads,
        unless set: a connection kept per thread, and half as many again for a burst (a thread
        holding a session while it checks the login limit). Without a thread count (the CLI,
        the scheduler), SQLAlchemy's own 5 and 10."""
        if threads is None:
            size, overflow = 5, 10
        else:
            size, overflow = max(threads, 1), max(threads // 2, 2)
        if self.database_pool_size is not None:
            size = self.database_pool_size
        if self.database_max_overflow is not None:
            overflow = self.database_max_overflow
        return size, overflow

    @property
    def follow_up_weeks(self) -> tuple[int, ...]:
        """The weeks after acceptance at which a follow-up call is due, in order."""
        problem = 'ASSETMAP_REFERRAL_FOLLOW_UP_WEEKS must be whole weeks from 1 to 52, like "2,6"'
        try:
            weeks = sorted({int(part) for part in self.referral_follow_up_weeks.split(",")})
        except ValueError:
            raise ConfigError(problem) from None
        if not weeks or not all(1 <= w <= 52 for w in weeks):
            raise ConfigError(problem)
        return tuple(weeks)

    @property
    def public_host(self) -> str:
        """The public URL's host name, lower case (IPv6 in brackets, as in a Host header)."""
        try:
            host = urlsplit(self.public_url).hostname or ""
        except ValueError:  # an unclosed "[": refused at start-up
            return ""
        return f"[{host}]" if ":" in host else host

    @property
    def allowed_hosts(self) -> tuple[str, ...]:
        """The host names requests may be for: the public URL's, then the trusted ones."""
        others = self.trusted_hosts or _LOCAL_HOSTS
        return tuple(dict.fromkeys([self.public_host, *(h.lower() for h in others)]))

    @property
    def cookies_secure(self) -> bool:
        """Whether cookies are sent over HTTPS only: asked for, or the public URL is https."""
        return self.secure_cookies or urlsplit(self.public_url).scheme == "https"

    @property
    def map_centre(self) -> tuple[float, float]:
        return (self.map_centre_lat, self.map_centre_lon)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        """Build a Config from ``ASSETMAP_<FIELD>`` variables; unset ones keep their defaults."""
        environ = os.environ if environ is None else environ
        values = {
            f.name: environ[ENV_PREFIX + f.name.upper()]
            for f in fields(cls)
            if ENV_PREFIX + f.name.upper() in environ
        }
        return cls().with_overrides(values)

    def with_overrides(self, overrides: Mapping[str, Any]) -> Config:
        """Return a copy with ``overrides`` applied; strings are converted to each field's type."""
        known = {f.name: f for f in fields(self)}
        changes: dict[str, Any] = {}
        for key, value in overrides.items():
            name = key.lower().removeprefix(ENV_PREFIX.lower())
            if name not in known:
                raise ConfigError(f"unknown setting {key!r}")
            changes[name] = _coerce(name, getattr(self, name), value)
        return replace(self, **changes)


def resolve_secret(config: Config) -> str:
    """The app's signing secret: ``secret_key`` if set, else one generated once and kept in
    the instance folder, so the web app, the CLI and the scheduler all sign alike."""
    if config.secret_key:
        return config.secret_key
    instance = Path(config.instance_path).resolve()
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


#: Trusted by default besides the public URL's host: ``make run``, the test client, the bench.
_LOCAL_HOSTS = ("localhost", "127.0.0.1")
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_HOST = re.compile(rf"(?:{_LABEL}\.)*{_LABEL}|\[[0-9a-f:.]+\]", re.IGNORECASE)


def _is_host(host: str) -> bool:
    """A DNS name, an IPv4 address or a bracketed IPv6 one: no scheme, port or path."""
    return len(host) <= 253 and _HOST.fullmatch(host) is not None


def _is_postgres(url: str) -> bool:
    return urlsplit(url).scheme.split("+")[0] == "postgresql"


#: Settings whose default (None) means "derived"; given as text they are whole numbers.
_OPTIONAL_INTS = {"database_pool_size", "database_max_overflow"}


def _coerce(name: str, default: Any, value: Any) -> Any:
    """Convert a setting given as text (from the environment) to the type of its default."""
    if not isinstance(value, str):
        return value
    try:
        if name in _OPTIONAL_INTS:
            return int(value) if value.strip() else None
        if isinstance(default, bool):
            if value.lower() in {"1", "true", "yes", "on"}:
                return True
            if value.lower() in {"0", "false", "no", "off", ""}:
                return False
            raise ValueError(value)
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
            return float(value)
        if isinstance(default, tuple):
            return tuple(part.strip() for part in value.split(",") if part.strip())
    except ValueError:
        raise ConfigError(
            f"{ENV_PREFIX}{name.upper()}: {value!r} is not a valid "
            f"{'int' if name in _OPTIONAL_INTS else type(default).__name__}"
        ) from None
    return value
