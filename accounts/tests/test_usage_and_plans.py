"""The storage usage card on /settings/ and the plans page at /settings/plan/."""

import pytest
from django.urls import reverse

from kosha.testing.answers import html_of
from plans.models import GiB, Plan, Usage


@pytest.mark.django_db
def test_settings_shows_the_usage_breakdown(owner_web, owner):
    usage = Usage.objects.get(user=owner)
    Usage.objects.filter(pk=usage.pk).update(used_bytes=3 * 1024**2, reserved_bytes=1024**2, file_count=7)

    response = owner_web.get(reverse("settings"))

    html = html_of(response)
    assert 'aria-label="Storage used"' in html
    assert "3.0\xa0MB" in html  # used
    assert "1.0\xa0MB" in html  # reserved by uploads in progress
    assert "Of which in the trash" in html
    assert "Available" in html
    assert f"7 of {usage.plan.max_files:,}" in html
    assert reverse("settings_plan") in html


@pytest.mark.django_db
def test_the_plans_page_lists_every_tier_and_marks_mine(owner_web, owner):
    extra = Plan.objects.create(
        code="huge", name="Huge", storage_bytes=1000 * GiB, max_files=10**6, max_file_bytes=GiB, position=99
    )
    mine = Usage.objects.get(user=owner).plan

    response = owner_web.get(reverse("settings_plan"))

    html = html_of(response)
    for plan in Plan.objects.all():
        assert f'data-plan="{plan.code}"' in html
    assert f'<tr data-plan="{mine.code}" class="plans__current" aria-current="true">' in html
    assert f'<tr data-plan="{extra.code}" class="plans__current"' not in html
    assert "Ask your administrator to change your plan" in html
    codes = [plan.code for plan in Plan.objects.all()]
    assert [html.index(f'data-plan="{code}"') for code in codes] == sorted(
        html.index(f'data-plan="{code}"') for code in codes
    )
