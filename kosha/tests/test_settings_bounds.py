"""Settings read from the environment stay within what the stores accept: a value out of
range stops start-up with a message naming the variable, never a failure at the first
upload."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from kosha.env import env_int
from kosha.testing.startup import start_up

URL_LIFETIMES = [
    "KOSHA_PUT_URL_EXPIRES_SECONDS",
    "KOSHA_PART_URL_EXPIRES_SECONDS",
    "KOSHA_DOWNLOAD_URL_EXPIRES_SECONDS",
]
SEVEN_DAYS = 604800  # seconds: the longest a SigV4 presigned URL lives


def test_an_integer_setting_may_equal_its_bounds_and_not_pass_them(monkeypatch):
    monkeypatch.setenv("KOSHA_EXAMPLE_SECONDS", "10")
    assert env_int("KOSHA_EXAMPLE_SECONDS", 1, minimum=10, maximum=10) == 10

    monkeypatch.setenv("KOSHA_EXAMPLE_SECONDS", "11")
    with pytest.raises(ImproperlyConfigured, match="KOSHA_EXAMPLE_SECONDS must be at most 10, got 11"):
        env_int("KOSHA_EXAMPLE_SECONDS", 1, minimum=1, maximum=10)


@pytest.mark.parametrize("name", URL_LIFETIMES)
def test_start_up_refuses_a_presigned_url_living_longer_than_seven_days(tmp_path, name):
    result = start_up(tmp_path, KOSHA_STORAGE="s3", KOSHA_S3_BUCKET="kosha", **{name: str(SEVEN_DAYS + 1)})

    assert result.returncode != 0
    assert f"ImproperlyConfigured: {name} must be at most {SEVEN_DAYS}, got {SEVEN_DAYS + 1}" in result.stderr


def test_start_up_accepts_presigned_urls_of_exactly_seven_days(tmp_path):
    result = start_up(tmp_path, **dict.fromkeys(URL_LIFETIMES, str(SEVEN_DAYS)))

    assert result.returncode == 0, result.stderr
