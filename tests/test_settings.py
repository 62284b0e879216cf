"""Settings: one typed reader of the environment."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from bot.settings import Settings


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    return monkeypatch


def test_defaults_point_at_discord_and_sqlite(clean_environment: pytest.MonkeyPatch) -> None:
    settings = Settings(_env_file=None)
    assert (settings.discord_api_base, settings.discord_gateway_url, settings.database_url) == (
        "https://discord.com/api/v10",
        "wss://gateway.discord.gg",
        "sqlite+aiosqlite:///data/newsbrief.db",
    )


def test_private_fetching_is_off_by_default(clean_environment: pytest.MonkeyPatch) -> None:
    assert Settings(_env_file=None).fetch_allow_private is False


def test_token_is_secret_in_repr(clean_environment: pytest.MonkeyPatch) -> None:
    clean_environment.setenv("DISCORD_TOKEN", "abc.def.ghi")
    settings = Settings(_env_file=None)
    assert "abc.def.ghi" not in repr(settings)
    assert settings.discord_token is not None
    assert settings.discord_token.get_secret_value() == "abc.def.ghi"


def test_blank_optional_settings_are_unset(clean_environment: pytest.MonkeyPatch) -> None:
    clean_environment.setenv("DISCORD_TOKEN", "")
    clean_environment.setenv("DEV_GUILD_ID", " ")
    settings = Settings(_env_file=None)
    assert (settings.discord_token, settings.dev_guild_id) == (None, None)


def test_reads_environment_variables(clean_environment: pytest.MonkeyPatch) -> None:
    clean_environment.setenv("FETCH_ALLOW_PRIVATE", "true")
    clean_environment.setenv("DEV_GUILD_ID", "123456789012345678")
    clean_environment.setenv("LOG_LEVEL", "debug")
    settings = Settings(_env_file=None)
    assert (settings.fetch_allow_private, settings.dev_guild_id, settings.log_level) == (
        True,
        123456789012345678,
        "DEBUG",
    )


def test_reads_dotenv_file(clean_environment: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("DATABASE_URL=sqlite+aiosqlite:///elsewhere.db\n")
    assert Settings(_env_file=env_file).database_url == "sqlite+aiosqlite:///elsewhere.db"


def test_env_example_lists_every_setting() -> None:
    from pathlib import Path

    example = (Path(__file__).parents[1] / ".env.example").read_text()
    settings_lines = [line for line in example.splitlines() if "=" in line and not line.startswith("#")]
    listed = {line.split("=", 1)[0] for line in settings_lines}
    assert listed == {name.upper() for name in Settings.model_fields}


def test_history_is_kept_thirty_days_by_default(clean_environment: pytest.MonkeyPatch) -> None:
    assert Settings(_env_file=None).history_retention == timedelta(days=30)


def test_a_history_retention_of_zero_keeps_everything(clean_environment: pytest.MonkeyPatch) -> None:
    clean_environment.setenv("HISTORY_RETENTION_DAYS", "0")
    assert Settings(_env_file=None).history_retention is None


def test_a_history_retention_shorter_than_digests_read_is_refused(clean_environment: pytest.MonkeyPatch) -> None:
    clean_environment.setenv("HISTORY_RETENTION_DAYS", "1")
    with pytest.raises(ValidationError, match="at least 2 days"):
        Settings(_env_file=None)


def test_shard_ids_are_read_comma_separated(clean_environment: pytest.MonkeyPatch) -> None:
    clean_environment.setenv("SHARD_COUNT", "4")
    clean_environment.setenv("SHARD_IDS", "3, 1")
    assert Settings(_env_file=None).own_shard_ids == (1, 3)


def test_a_cluster_member_runs_every_cluster_count_th_shard(clean_environment: pytest.MonkeyPatch) -> None:
    settings = Settings(_env_file=None, shard_count=6, cluster_index=1, cluster_count=3)
    assert settings.own_shard_ids == (1, 4)


def test_no_shard_setting_runs_every_shard(clean_environment: pytest.MonkeyPatch) -> None:
    assert Settings(_env_file=None).own_shard_ids is None


@pytest.mark.parametrize(
    "values",
    [
        {"shard_ids": "0,1"},
        {"shard_count": 2, "shard_ids": "0,2"},
        {"shard_count": 2, "shard_ids": "1,1"},
        {"shard_count": 4, "cluster_index": 0},
        {"shard_count": 4, "cluster_index": 2, "cluster_count": 2},
        {"shard_count": 5, "cluster_index": 0, "cluster_count": 2},
        {"cluster_index": 0, "cluster_count": 2},
        {"shard_count": 4, "shard_ids": "0", "cluster_index": 0, "cluster_count": 2},
    ],
    ids=[
        "ids-without-count",
        "id-outside-count",
        "id-twice",
        "index-without-count",
        "index-not-below-count",
        "uneven-split",
        "cluster-without-shard-count",
        "ids-and-cluster",
    ],
)
def test_shard_settings_that_do_not_fit_are_refused(
    clean_environment: pytest.MonkeyPatch, values: dict[str, Any]
) -> None:
    with pytest.raises(ValidationError):
        Settings(_env_file=None, **values)


def test_a_delivery_lease_is_a_minute_and_the_sweep_half_a_minute_by_default(
    clean_environment: pytest.MonkeyPatch,
) -> None:
    settings = Settings(_env_file=None)
    assert (settings.delivery_lease, settings.digest_sweep) == (timedelta(seconds=60), timedelta(seconds=30))


def test_a_sweep_as_long_as_the_delivery_lease_is_refused(clean_environment: pytest.MonkeyPatch) -> None:
    clean_environment.setenv("DELIVERY_LEASE_SECONDS", "20")
    clean_environment.setenv("DIGEST_SWEEP_SECONDS", "20")
    with pytest.raises(ValidationError, match=r"DIGEST_SWEEP_SECONDS \(20\) must be shorter"):
        Settings(_env_file=None)


def test_logs_are_text_by_default(clean_environment: pytest.MonkeyPatch) -> None:
    assert Settings(_env_file=None).log_format == "text"


def test_log_format_is_read_in_any_case(clean_environment: pytest.MonkeyPatch) -> None:
    clean_environment.setenv("LOG_FORMAT", "JSON")
    assert Settings(_env_file=None).log_format == "json"


def test_an_unknown_log_format_is_refused(clean_environment: pytest.MonkeyPatch) -> None:
    clean_environment.setenv("LOG_FORMAT", "xml")
    with pytest.raises(ValidationError, match="log_format"):
        Settings(_env_file=None)


@pytest.mark.parametrize(
    ("api_base", "mode", "enabled"),
    [
        ("https://discord.com/api/v10", "auto", True),
        ("https://canary.discord.com/api/v10", "auto", True),
        ("http://nirn-proxy:8080/api/v10", "auto", False),
        ("http://nirn-proxy:8080/api/v10", "on", True),
        ("https://discord.com/api/v10", "off", False),
    ],
)
def test_the_request_budget_steps_aside_for_a_proxy_unless_told(api_base: str, mode: str, enabled: bool) -> None:
    settings = Settings(_env_file=None, discord_api_base=api_base, discord_request_budget=mode)
    assert settings.request_budget_enabled is enabled
