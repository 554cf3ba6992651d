"""Sizes in messages read like the web app's ("512.0 KB", "1 byte"), never raw byte counts."""

import pytest
from django.db import transaction

from kosha.errors import FileTooLarge, StorageFull, TooManyFiles
from kosha.sizes import size_text
from plans.models import Usage
from plans.services import quota_reserve


@pytest.mark.parametrize(
    ("size_bytes", "text"),
    [
        (0, "0 bytes"),
        (1, "1 byte"),
        (1023, "1023 bytes"),
        (1024, "1.0 KB"),
        (524_288, "512.0 KB"),
        (5 * 1024**3, "5.0 GB"),
        (5 * 1024**4, "5.0 TB"),
    ],
)
def test_sizes_read_as_the_web_app_writes_them(size_bytes, text):
    assert size_text(size_bytes) == text


def _plan_of(user, **limits):
    plan = Usage.objects.select_related("plan").get(user=user).plan
    for field, value in limits.items():
        setattr(plan, field, value)
    plan.save()


@pytest.mark.django_db
def test_quota_refusals_speak_in_human_sizes(owner):
    _plan_of(owner, max_file_bytes=524_288, storage_bytes=1024**2, max_files=10_000)

    with pytest.raises(FileTooLarge) as too_large, transaction.atomic():
        quota_reserve(user=owner, size_bytes=600 * 1024)
    with pytest.raises(StorageFull) as full, transaction.atomic():
        quota_reserve(user=owner, size_bytes=500 * 1024)
        quota_reserve(user=owner, size_bytes=500 * 1024)
        quota_reserve(user=owner, size_bytes=100 * 1024)

    assert too_large.value.message.endswith("can be at most 512.0 KB; this one is 600.0 KB.")
    assert full.value.message == (
        "Not enough storage left on your plan: this needs 100.0 KB and 24.0 KB of 1.0 MB is free."
    )
    assert too_large.value.details["max_file_bytes"] == 524_288  # the numbers stay for clients


@pytest.mark.django_db
def test_a_file_count_refusal_groups_its_digits(owner):
    _plan_of(owner, max_files=10_000)
    Usage.objects.filter(user=owner).update(file_count=10_000)

    with pytest.raises(TooManyFiles) as refused, transaction.atomic():
        quota_reserve(user=owner, size_bytes=1)

    assert "at most 10,000 files" in refused.value.message
