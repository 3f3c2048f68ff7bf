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
