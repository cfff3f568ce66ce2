from __future__ import annotations

import re
from pathlib import Path

import pytest

from pulse.errors import ConfigError
from pulse.settings import PROJECT_ROOT, Settings, build_settings

README = PROJECT_ROOT / "README.md"


def readme_settings_table() -> dict[str, tuple[str, str]]:
    rows = re.findall(
        r"^\| `(PULSE_[A-Z_]+)` \| (.+?) \| (.+?) \|$", README.read_text(encoding="utf-8"), re.M
    )
    return {name: (default, description) for name, default, description in rows}


def readme_default(value: object) -> str:
    if value is None or value == []:
        return "unset"
    if isinstance(value, list):
        return f"`{','.join(value)}`"
    return f"`{value}`"


def test_readme__configuration_table_lists_every_setting_with_its_description() -> None:
    table = readme_settings_table()
    assert set(table) == {f"PULSE_{name.upper()}" for name in Settings.model_fields}
    for name, field in Settings.model_fields.items():
        default, description = table[f"PULSE_{name.upper()}"]
        assert description == field.description, name
        if not isinstance(field.default, Path) and name != "database_url":
            assert readme_default(field.default) == default, name


def test_build_settings__reads_prefixed_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULSE_BUSINESS_NAME", "Dr Patel's Clinic")
    monkeypatch.setenv("PULSE_MIN_RESPONSES", "12")
    settings = build_settings()
    assert (settings.business_name, settings.min_responses) == ("Dr Patel's Clinic", 12)


def test_build_settings__reads_pulse_toml_below_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "pulse.toml").write_text('business_name = "Hardware Hut"\nserver_port = 9000\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PULSE_SERVER_PORT", "9100")
    settings = build_settings()
    assert (settings.business_name, settings.server_port) == ("Hardware Hut", 9100)


def test_build_settings__lists_are_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULSE_REDDIT_SUBREDDITS", "london, CasualUK")
    assert build_settings().reddit_subreddits == ["london", "CasualUK"]


def test_build_settings__bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULSE_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ConfigError) as raised:
        build_settings()
    assert "PULSE_TIMEZONE" in raised.value.message and "configuration table" in raised.value.hint


def test_default_database__is_a_sqlite_file_in_data() -> None:
    assert Settings.model_fields["database_url"].default == f"sqlite:///{PROJECT_ROOT / 'data' / 'pulse.db'}"


def test_build_settings__notification_addresses_are_comma_separated_and_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PULSE_NOTIFY_EMAIL", "owner@crumb.example, manager@crumb.example")
    assert build_settings().notify_email == ["owner@crumb.example", "manager@crumb.example"]
    monkeypatch.setenv("PULSE_NOTIFY_EMAIL", "owner@crumb.example; manager")
    with pytest.raises(ConfigError) as raised:
        build_settings()
    assert "PULSE_NOTIFY_EMAIL" in raised.value.message and "is not an email address" in raised.value.message


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("https://pulse.example.com/", "https://pulse.example.com"),
        ("http://localhost:8501", "http://localhost:8501"),
        ("https://example.com/pulse", "https://example.com/pulse"),
        ("  ", None),
    ],
)
def test_build_settings__dashboard_url_kept_without_its_last_slash(value: str, kept: str | None) -> None:
    assert build_settings(dashboard_url=value).dashboard_url == kept


@pytest.mark.parametrize("value", ["javascript:alert(1)", "pulse.example.com", "https://x.example/?case=1"])
def test_build_settings__dashboard_url_must_be_a_web_address(value: str) -> None:
    with pytest.raises(ConfigError) as raised:
        build_settings(dashboard_url=value)
    assert "PULSE_DASHBOARD_URL" in raised.value.message


def test_build_settings__a_webhook_url_that_is_no_address_is_refused_without_repeating_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PULSE_NOTIFY_SLACK_URL", "hooks.slack.com/services/T0/B0/secret-part")
    with pytest.raises(ConfigError) as raised:
        build_settings()
    assert "PULSE_NOTIFY_SLACK_URL" in raised.value.message and "secret-part" not in str(raised.value)
    monkeypatch.setenv("PULSE_NOTIFY_SLACK_URL", " https://hooks.slack.com/services/T0/B0/secret-part ")
    url = build_settings().notify_slack_url
    assert url is not None and url.get_secret_value() == "https://hooks.slack.com/services/T0/B0/secret-part"
