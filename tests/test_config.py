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
