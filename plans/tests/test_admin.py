"""The operator's admin: every page answers, the tier list stays one query, editing a tier
changes what everyone on it may do, and moving users goes through the plans services.

The storage models' admins are covered here too: read-only. (Every changelist and change
form answering 200, listing its row, is kosha/tests/test_admin_pages.py.)"""

import uuid
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kosha.errors import QuotaExceeded
from kosha.testing.clients import api_as
from plans.models import Plan, Usage
from plans.services import quota_reserve, usage_set_plan
from storage.models import File, FileVersion, Folder, FolderArchive, UploadSession

KiB = 1024
STORAGE_MODELS = ["folder", "file", "fileversion", "uploadsession", "folderarchive"]


def _plan(code: str, **overrides) -> Plan:
    values = {
        "name": code.title(),
        "storage_bytes": 100 * KiB,
        "max_files": 100,
        "max_file_bytes": 50 * KiB,
        "position": 10,
    }
    values.update(overrides)
    return Plan.objects.create(code=code, **values)


def _users_on(plan: Plan, django_user_model, count: int) -> list:
    users = []
    for _ in range(count):
        user = django_user_model.objects.create_user(email=f"u-{uuid.uuid4().hex[:8]}@example.com", password="x")
        usage_set_plan(user=user, plan=plan)
        users.append(user)
    return users


@pytest.fixture
def stored(owner):
    """One row of every storage model, owned by `owner`."""
    folder = Folder.objects.create(owner=owner, name="Photos")
    file = File.objects.create(owner=owner, folder=folder, name="cat.jpg", size_bytes=2048, content_type="image/jpeg")
    version = FileVersion.objects.create(
        file=file,
        number=1,
        key=f"users/{owner.pk}/blobs/{uuid.uuid4()}",
        size_bytes=2048,
        content_type="image/jpeg",
        created_by=owner,
    )
    file.current_version = version
    file.save(update_fields=["current_version"])
    session = UploadSession.objects.create(
        owner=owner,
        created_by=owner,
        folder=folder,
        name="dog.jpg",
        size_bytes=4096,
        content_type="image/jpeg",
        key=f"users/{owner.pk}/blobs/{uuid.uuid4()}",
        strategy=UploadSession.Strategy.SINGLE,
        expires_at=timezone.now() + timedelta(hours=1),
    )
    archive = FolderArchive.objects.create(owner=owner, folder=folder, expires_at=timezone.now() + timedelta(hours=1))
    return {"folder": folder, "file": file, "fileversion": version, "uploadsession": session, "folderarchive": archive}


def _plan_form(plan: Plan, **changes) -> dict:
    data = {
        "code": plan.code,
        "name": plan.name,
        "storage_bytes": plan.storage_bytes,
        "max_files": plan.max_files,
        "max_file_bytes": plan.max_file_bytes,
        "versions_kept": plan.versions_kept,
        "trash_days": plan.trash_days,
        "max_share_days": plan.max_share_days,
        "position": plan.position,
    }
    if plan.is_default:
        data["is_default"] = "on"
    data.update(changes)
    return data


# --- every page answers ---------------------------------------------------------------------


def test_plan_add_form_answers_200(admin_client):
    response = admin_client.get(reverse("admin:plans_plan_add"))

    assert response.status_code == 200


def test_usage_rows_cannot_be_added_or_deleted_by_hand(admin_client, owner):
    usage = Usage.objects.get(user=owner)

    add = admin_client.get(reverse("admin:plans_usage_add"))
    delete = admin_client.get(reverse("admin:plans_usage_delete", args=[usage.pk]))

    # Usage rows come with accounts and go with them.
    assert add.status_code == 403
    assert delete.status_code == 403


@pytest.mark.parametrize("model", STORAGE_MODELS)
def test_storage_admins_are_read_only(admin_client, stored, model):
    obj = stored[model]

    add = admin_client.get(reverse(f"admin:storage_{model}_add"))
    delete = admin_client.get(reverse(f"admin:storage_{model}_delete", args=[obj.pk]))
    post = admin_client.post(reverse(f"admin:storage_{model}_change", args=[obj.pk]), {"name": "renamed"})

    # Hand edits would bypass quota accounting and leave blobs behind in the store.
    assert add.status_code == 403
    assert delete.status_code == 403
    assert post.status_code == 403


def test_upload_session_changelist_filters_by_status(admin_client, stored):
    url = reverse("admin:storage_uploadsession_changelist")

    pending = admin_client.get(url, {"status__exact": "pending"})
    completed = admin_client.get(url, {"status__exact": "completed"})

    assert pending.context["cl"].result_count == 1
    assert completed.context["cl"].result_count == 0


# --- query counts ---------------------------------------------------------------------------


def _changelist_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_plan_changelist_query_count_does_not_grow_with_plans(admin_client, django_user_model):
    url = reverse("admin:plans_plan_changelist")
    _users_on(_plan("extra-0"), django_user_model, 2)
    with_one = _changelist_queries(admin_client, url)

    for index in range(1, 5):
        _users_on(_plan(f"extra-{index}"), django_user_model, 2)
    with_five = _changelist_queries(admin_client, url)

    # session, user, COUNT(*) for the paginator, COUNT(*) for the unfiltered total, the
    # plans with their user count as a subquery
    assert with_one == with_five == 5


def test_plan_changelist_shows_user_counts_linking_to_their_usages(admin_client, django_user_model):
    plan = _plan("team")
    _users_on(plan, django_user_model, 3)

    response = admin_client.get(reverse("admin:plans_plan_changelist"))

    row = next(row for row in response.context["cl"].result_list if row.pk == plan.pk)
    assert row.user_count == 3
    assert f"{reverse('admin:plans_usage_changelist')}?plan__id__exact={plan.pk}" in response.content.decode()


def test_usage_changelist_query_count_does_not_grow_with_users(admin_client, django_user_model):
    url = reverse("admin:plans_usage_changelist")
    plan = _plan("team")
    _users_on(plan, django_user_model, 2)
    few = _changelist_queries(admin_client, url)

    _users_on(plan, django_user_model, 6)
    many = _changelist_queries(admin_client, url)

    # session, user, plans for the move actions (once per request), plans for the filter,
    # COUNT(*) for the paginator, usages joined to their user and plan
    assert few == many == 6


# --- changing a tier ------------------------------------------------------------------------


def test_changing_a_tier_in_the_admin_changes_every_users_limits(admin_client, owner, collaborator):
    plan = _plan("small", storage_bytes=10 * KiB, max_file_bytes=8 * KiB)
    usage_set_plan(user=owner, plan=plan)
    usage_set_plan(user=collaborator, plan=plan)
    with pytest.raises(QuotaExceeded), transaction.atomic():
        quota_reserve(user=owner, size_bytes=20 * KiB)

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.post(
            reverse("admin:plans_plan_change", args=[plan.pk]),
            _plan_form(plan, storage_bytes=100 * KiB, max_file_bytes=50 * KiB),
        )

    assert response.status_code == 302
    # No backfill: changing the tier rewrites its one row and no user's Usage row.
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith(("UPDATE", "INSERT", "DELETE"))]
    assert not [sql for sql in writes if "plans_usage" in sql]
    for user in (owner, collaborator):
        limits = api_as(user).get("/api/v1/usage/").json()["plan"]
        assert limits["storage_bytes"] == 100 * KiB
        assert limits["max_file_bytes"] == 50 * KiB
        with transaction.atomic():
            quota_reserve(user=user, size_bytes=20 * KiB)
        assert Usage.objects.get(user=user).reserved_bytes == 20 * KiB


def test_a_second_default_tier_is_refused_by_the_form(admin_client):
    pro = Plan.objects.get(code="pro")

    response = admin_client.post(reverse("admin:plans_plan_change", args=[pro.pk]), _plan_form(pro, is_default="on"))

    assert response.status_code == 200  # the form again, with the error
    assert response.context["adminform"].form.errors
    assert Plan.objects.filter(is_default=True).get().code == "free"


# --- moving users ---------------------------------------------------------------------------


def test_move_action_moves_the_selected_users_to_the_plan(admin_client, owner, collaborator, stranger):
    pro = Plan.objects.get(code="pro")

    response = admin_client.post(
        reverse("admin:plans_usage_changelist"),
        {"action": f"move_to_plan_{pro.pk}", "_selected_action": [owner.pk, collaborator.pk], "index": 0},
    )

    assert response.status_code == 302
    assert Usage.objects.get(user=owner).plan == pro
    assert Usage.objects.get(user=collaborator).plan == pro
    assert Usage.objects.get(user=stranger).plan.code == "free"


def test_usage_change_form_changes_only_the_plan(admin_client, owner):
    with transaction.atomic():
        quota_reserve(user=owner, size_bytes=KiB)
    usage = Usage.objects.get(user=owner)
    max_plan = Plan.objects.get(code="max")

    response = admin_client.post(
        reverse("admin:plans_usage_change", args=[usage.pk]),
        {"plan": max_plan.pk, "used_bytes": 999, "reserved_bytes": 0, "file_count": 999},
    )

    assert response.status_code == 302
    usage.refresh_from_db()
    assert usage.plan == max_plan
    # The counters are read-only: what the form posted for them is ignored.
    assert (usage.used_bytes, usage.reserved_bytes, usage.file_count, usage.reserved_files) == (0, KiB, 0, 1)
