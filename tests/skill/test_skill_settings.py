"""The skill's settings from the environment."""

from __future__ import annotations

import pytest

from seesay_skill.settings import Settings, SettingsError

SKILL = "amzn1.ask.skill.5f7c3c1e-8d2b-4c6a-9e0f-1a2b3c4d5e6f"


def test_defaults() -> None:
    settings = Settings.from_environment({"SKILL_ID": SKILL})

    assert settings == Settings(skill_id=SKILL)
    assert settings.stream_name == "seesay-windows"
    assert settings.devices == frozenset()
    assert settings.kinesis_endpoint_url is None
    assert settings.region == "us-east-1"
    assert settings.lookback_seconds == 900.0
    assert settings.allows_device("anything")


def test_everything_set() -> None:
    settings = Settings.from_environment(
        {
            "SKILL_ID": f" {SKILL} ",
            "STREAM_NAME": "windows-test",
            "SEESAY_DEVICES": " porch-pi, ,barn-pi ",
            "KINESIS_ENDPOINT_URL": "http://127.0.0.1:4567",
            "AWS_DEFAULT_REGION": "eu-west-1",
            "LOOKBACK_SECONDS": "120",
            "STALE_SECONDS": "30",
        }
    )

    assert settings.devices == frozenset({"porch-pi", "barn-pi"})
    assert settings.allows_device("porch-pi") and not settings.allows_device("other")
    assert settings.region == "eu-west-1"
    assert settings.kinesis_endpoint_url == "http://127.0.0.1:4567"
    assert (settings.lookback_seconds, settings.stale_seconds) == (120.0, 30.0)


def test_aws_region_wins_over_the_default_region() -> None:
    settings = Settings.from_environment(
        {"SKILL_ID": SKILL, "AWS_REGION": "us-west-2", "AWS_DEFAULT_REGION": "eu-west-1"}
    )

    assert settings.region == "us-west-2"


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({}, "SKILL_ID"),
        ({"SKILL_ID": "  "}, "SKILL_ID"),
        ({"SKILL_ID": "arn:aws:lambda:us-east-1:1:function:x"}, "SKILL_ID"),
        ({"SKILL_ID": SKILL, "LOOKBACK_SECONDS": "soon"}, "LOOKBACK_SECONDS"),
        ({"SKILL_ID": SKILL, "LOOKBACK_SECONDS": "nan"}, "LOOKBACK_SECONDS"),
        ({"SKILL_ID": SKILL, "LOOKBACK_SECONDS": "-5"}, "LOOKBACK_SECONDS"),
        ({"SKILL_ID": SKILL, "STALE_SECONDS": "0"}, "STALE_SECONDS"),
    ],
)
def test_bad_settings_name_the_variable(environ, named) -> None:
    with pytest.raises(SettingsError, match=named):
        Settings.from_environment(environ)
