import pytest

from assetmap.config import Config
from assetmap.errors import ConfigError


def test_defaults_point_at_the_embedded_database():
    config = Config.from_env({})
    assert config.database_url == "sqlite:///instance/assetmap.db"
    assert config.freshness_expiry_days == 180


def test_environment_variables_override_and_are_typed():
    config = Config.from_env(
        {
            "ASSETMAP_DATABASE_URL": "postgresql+psycopg://u@h/db",
            "ASSETMAP_FRESHNESS_EXPIRY_DAYS": "90",
            "ASSETMAP_GEOCODERS": "gazetteer, nominatim",
            "ASSETMAP_TESTING": "yes",
            "UNRELATED": "x",
        }
    )
    assert config.database_url == "postgresql+psycopg://u@h/db"
    assert config.freshness_expiry_days == 90
    assert config.geocoders == ("gazetteer", "nominatim")
    assert config.testing is True


def test_a_bad_number_is_a_clear_error():
    with pytest.raises(ConfigError, match="ASSETMAP_FRESHNESS_EXPIRY_DAYS"):
        Config.from_env({"ASSETMAP_FRESHNESS_EXPIRY_DAYS": "soon"})


def test_overrides_accept_plain_and_prefixed_names_and_reject_unknown_ones():
    config = Config().with_overrides({"database_url": "sqlite:///x.db", "ASSETMAP_SECRET_KEY": "s"})
    assert (config.database_url, config.secret_key) == ("sqlite:///x.db", "s")
    with pytest.raises(ConfigError, match="unknown setting"):
        Config().with_overrides({"databse_url": "typo"})


@pytest.mark.parametrize(
    "settings",
    [
        {"ASSETMAP_FRESHNESS_DUE_DAYS": "200"},
        {"ASSETMAP_DEFAULT_PAGE_SIZE": "0"},
        {"ASSETMAP_DEFAULT_RADIUS_KM": "500"},
    ],
)
def test_inconsistent_numbers_are_refused(settings):
    with pytest.raises(ConfigError):
        Config.from_env(settings)


PRIMARY = "postgresql+psycopg://app:s3cret@db1.example.org/assetmap"
REPLICA = "postgresql+psycopg://app:s3cret@db2.example.org/assetmap"


def test_a_read_replica_is_read_from_the_environment():
    config = Config.from_env(
        {
            "ASSETMAP_DATABASE_URL": PRIMARY,
            "ASSETMAP_DATABASE_READ_URL": REPLICA,
            "ASSETMAP_DATABASE_READ_MAX_LAG_S": "2",
            "ASSETMAP_DATABASE_READ_OWN_WRITES_S": "4",
        }
    )
    assert (config.database_read_url, config.database_read_max_lag_s) == (REPLICA, 2.0)
    assert config.database_read_own_writes_s == 4.0


@pytest.mark.parametrize(
    "settings, says",
    [
        ({"database_url": PRIMARY, "database_read_url": "sqlite:///replica.db"}, "SQLite has no"),
        ({"database_read_url": REPLICA}, "needs a PostgreSQL ASSETMAP_DATABASE_URL"),
        ({"database_url": PRIMARY, "database_read_url": "mysql://x@h/db"}, "PostgreSQL"),
        ({"database_read_max_lag_s": -1}, "MAX_LAG_S"),
        ({"database_read_max_lag_s": 20, "database_read_own_writes_s": 10}, "OWN_WRITES_S"),
    ],
)
def test_a_read_replica_must_be_postgresql_and_its_windows_consistent(settings, says):
    with pytest.raises(ConfigError, match=says) as refused:
        Config(**settings)
    assert "s3cret" not in str(refused.value)  # a URL's password is never echoed


def test_pool_settings_are_read_and_derived_from_threads_unless_set():
    unset = Config.from_env({"ASSETMAP_DATABASE_POOL_SIZE": ""})
    assert unset.database_pool_size is None
    assert unset.pool_sizes() == (5, 10)  # the CLI and the scheduler: SQLAlchemy's own
    assert unset.pool_sizes(threads=8) == (8, 4)  # a connection per request thread, and half
    config = Config.from_env(
        {
            "ASSETMAP_DATABASE_POOL_SIZE": "12",
            "ASSETMAP_DATABASE_MAX_OVERFLOW": "0",
            "ASSETMAP_DATABASE_POOL_TIMEOUT": "2.5",
        }
    )
    assert config.pool_sizes(threads=8) == (12, 0)
    assert config.database_pool_timeout == 2.5


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "ASSETMAP_DATABASE_POOL_SIZE",
            "many",
            "ASSETMAP_DATABASE_POOL_SIZE: 'many' is not a valid int",
        ),
        ("ASSETMAP_DATABASE_POOL_SIZE", "0", "ASSETMAP_DATABASE_POOL_SIZE must be from 1 to 1000"),
        ("ASSETMAP_DATABASE_MAX_OVERFLOW", "-1", "ASSETMAP_DATABASE_MAX_OVERFLOW must be from 0"),
        ("ASSETMAP_DATABASE_POOL_TIMEOUT", "0", "ASSETMAP_DATABASE_POOL_TIMEOUT must be above 0"),
        ("ASSETMAP_TRUSTED_PROXIES", "9", "ASSETMAP_TRUSTED_PROXIES must be from 0 to 5"),
        ("ASSETMAP_RATELIMIT_STORAGE_URL", "redis", "ASSETMAP_RATELIMIT_STORAGE_URL must be"),
    ],
)
def test_bad_serving_settings_are_clear_errors(name, value, message):
    with pytest.raises(ConfigError, match=message):
        Config.from_env({name: value})


def test_login_counts_are_shared_by_default():
    assert Config.from_env({}).ratelimit_storage_url == "database://"


def test_trusted_hosts_default_to_the_public_urls_and_the_local_names():
    assert Config().allowed_hosts == ("127.0.0.1", "localhost")
    config = Config.from_env(
        {
            "ASSETMAP_PUBLIC_URL": "https://Map.Example.org/assetmap",
            "ASSETMAP_TRUSTED_HOSTS": " .example.net , 10.0.0.5,",
        }
    )
    assert config.trusted_hosts == (".example.net", "10.0.0.5")
    assert config.allowed_hosts == ("map.example.org", ".example.net", "10.0.0.5")
    assert Config(public_url="http://[::1]:5000").allowed_hosts[0] == "[::1]"


@pytest.mark.parametrize(
    "settings, says",
    [
        ({"ASSETMAP_TRUSTED_HOSTS": "https://map.example.org"}, "ASSETMAP_TRUSTED_HOSTS"),
        ({"ASSETMAP_TRUSTED_HOSTS": "map.example.org:443"}, "ASSETMAP_TRUSTED_HOSTS"),
        ({"ASSETMAP_TRUSTED_HOSTS": "map.example.org/x"}, "ASSETMAP_TRUSTED_HOSTS"),
        ({"ASSETMAP_TRUSTED_HOSTS": "*"}, "ASSETMAP_TRUSTED_HOSTS"),
        ({"ASSETMAP_PUBLIC_URL": "https://"}, "ASSETMAP_PUBLIC_URL"),
        ({"ASSETMAP_PUBLIC_URL": "map.example.org"}, "ASSETMAP_PUBLIC_URL"),
        ({"ASSETMAP_PUBLIC_URL": "https://map.example.org:port"}, "ASSETMAP_PUBLIC_URL"),
        ({"ASSETMAP_PUBLIC_URL": "https://[::1"}, "ASSETMAP_PUBLIC_URL"),
        ({"ASSETMAP_PUBLIC_URL": "https://map.example.org/?x=1"}, "ASSETMAP_PUBLIC_URL"),
    ],
)
def test_a_bad_host_list_or_public_url_stops_start_up(settings, says):
    with pytest.raises(ConfigError, match=says):
        Config.from_env(settings)


@pytest.mark.parametrize(
    "settings, secure",
    [
        ({}, False),
        ({"ASSETMAP_PUBLIC_URL": "https://map.example.org"}, True),
        ({"ASSETMAP_SECURE_COOKIES": "1"}, True),
    ],
)
def test_cookies_are_secure_when_asked_or_when_the_public_url_is_https(settings, secure):
    assert Config.from_env(settings).cookies_secure is secure


@pytest.mark.parametrize(
    "settings",
    [
        {"ASSETMAP_SESSION_IDLE_MINUTES": "0"},
        {"ASSETMAP_SESSION_IDLE_MINUTES": "20000"},
        {"ASSETMAP_SESSION_MAX_HOURS": "0"},
    ],
)
def test_session_lifetimes_must_be_sensible(settings):
    with pytest.raises(ConfigError, match="ASSETMAP_SESSION_"):
        Config.from_env(settings)


def test_session_lifetimes_are_read_from_the_environment():
    config = Config.from_env(
        {"ASSETMAP_SESSION_IDLE_MINUTES": "30", "ASSETMAP_SESSION_MAX_HOURS": "8"}
    )
    assert (config.session_idle_minutes, config.session_max_hours) == (30, 8)
    assert (Config().session_idle_minutes, Config().session_max_hours) == (120, 12)
