"""kosha/pages.py: one limit parser, one signed keyset cursor, one page shape, and every
list of the API answering a bad cursor or limit the same way."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kosha.errors import InvalidCursor, InvalidInput
from kosha.pages import (
    Page,
    cursor_sign,
    cursor_unsign,
    keyset_page,
    limit_clean,
    page_response,
    restart_on_bad_cursor,
)
from kosha.testing.factories import stored_file
from storage.models import Folder

# --- limit_clean ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "expected"), [(None, 10), ("", 10), ("7", 7), (7, 7), ("20", 20), (1, 1)])
def test_a_limit_is_the_default_when_absent_and_the_number_otherwise(raw, expected):
    assert limit_clean(raw, default=10, maximum=20) == expected


@pytest.mark.parametrize("raw", ["21", 21, 10**6, "999999999"])
def test_a_limit_above_the_maximum_is_refused_not_capped(raw):
    with pytest.raises(InvalidInput) as refused:
        limit_clean(raw, default=10, maximum=20)

    assert refused.value.details == {"field": "limit"}
    assert "1 to 20" in refused.value.message


@pytest.mark.parametrize("raw", ["0", 0, "-1", -3, "abc", "1.5", 1.5, True, " 5", "+5", "١٢", "9" * 10, [5]])
def test_a_bad_limit_is_invalid_input_on_the_limit_field(raw):
    with pytest.raises(InvalidInput) as refused:
        limit_clean(raw, default=10, maximum=20)

    assert refused.value.code == "invalid"
    assert refused.value.details == {"field": "limit"}


# --- cursors ------------------------------------------------------------------------------------


def test_a_cursor_carries_its_values_back_for_its_scope():
    at = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    pk = uuid.uuid4()

    values = cursor_unsign(cursor_sign([at, pk, 42, "name", None], scope="list:1"), scope="list:1", length=5)

    assert values == [at, str(pk), 42, "name", None]


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda good: cursor_sign(["a"], scope="list:2"), id="another-scope"),
        pytest.param(lambda good: good[:-2] + ("AA" if not good.endswith("AA") else "BB"), id="tampered"),
        pytest.param(lambda good: cursor_sign(["a", "b"], scope="list:1"), id="wrong-length"),
        pytest.param(lambda good: "garbage", id="garbage"),
        pytest.param(lambda good: 5, id="not-text"),
        pytest.param(lambda good: good + "x" * 2000, id="too-long"),
    ],
)
def test_a_cursor_not_made_for_this_list_is_invalid_input_on_the_cursor_field(make):
    good = cursor_sign(["a"], scope="list:1")

    with pytest.raises(InvalidCursor) as refused:
        cursor_unsign(make(good), scope="list:1", length=1)

    assert isinstance(refused.value, InvalidInput)
    assert refused.value.details == {"reason": "invalid_cursor", "field": "cursor"}


def test_a_cursor_cannot_carry_an_unexpected_type():
    with pytest.raises(TypeError):
        cursor_sign([1.5], scope="list:1")


# --- keyset_page ------------------------------------------------------------------------------------


def _walk(queryset, *, keys, descending, limit, scope) -> list:
    seen, cursor = [], None
    while True:
        page = keyset_page(queryset, keys=keys, descending=descending, cursor=cursor, limit=limit, scope=scope)
        assert len(page.items) <= limit
        seen.extend(page.items)
        if page.next_cursor is None:
            return seen
        cursor = page.next_cursor


@pytest.mark.django_db
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("limit", [1, 2, 5, 50])
def test_keyset_pages_walk_every_row_once_in_order_even_with_equal_keys(owner, descending, limit):
    base = datetime(2026, 1, 1, tzinfo=UTC)
    for index in range(7):
        Folder.objects.create(owner=owner, name=f"f{index}")
    # Three share one timestamp: the primary key breaks the tie.
    for index, folder in enumerate(Folder.objects.filter(owner=owner).order_by("name")):
        Folder.objects.filter(pk=folder.pk).update(updated_at=base + timedelta(minutes=min(index, 3)))
    queryset = Folder.objects.filter(owner=owner)

    walked = _walk(queryset, keys=["updated_at"], descending=descending, limit=limit, scope=f"t:{owner.pk}")

    expected = list(queryset.order_by(*(["-updated_at", "-pk"] if descending else ["updated_at", "pk"])))
    assert [folder.pk for folder in walked] == [folder.pk for folder in expected]


@pytest.mark.django_db
def test_a_keyset_page_is_one_query_and_its_cursor_is_good_only_in_its_scope(owner):
    for index in range(3):
        Folder.objects.create(owner=owner, name=f"f{index}")
    queryset = Folder.objects.filter(owner=owner)

    with CaptureQueriesContext(connection) as queries:
        first = keyset_page(queryset, keys=["name"], descending=False, cursor=None, limit=2, scope="folders:a")
        second = keyset_page(
            queryset, keys=["name"], descending=False, cursor=first.next_cursor, limit=2, scope="folders:a"
        )

    # 1 and 2: each page's rows (limit + 1, the extra one says whether a next page exists)
    assert len(queries) == 2
    assert [f.name for f in first.items + second.items] == ["f0", "f1", "f2"]
    assert second.next_cursor is None
    with pytest.raises(InvalidInput):
        keyset_page(queryset, keys=["name"], descending=False, cursor=first.next_cursor, limit=2, scope="folders:b")


def test_page_response_is_items_and_next():
    class Echo:
        def __init__(self, items, many, context):
            self.data = [f"{item}!" for item in items]

    assert page_response(Page(items=[1, 2], next_cursor="abc"), Echo) == {"items": ["1!", "2!"], "next": "abc"}


# --- every list of the API ------------------------------------------------------------------------


def _list_urls(file) -> list[str]:
    return [
        "/api/v1/folders/root/items/",
        "/api/v1/search/?q=report",
        "/api/v1/trash/",
        f"/api/v1/files/{file.pk}/versions/",
        "/api/v1/tokens/",
        "/api/v1/shares/",
        "/api/v1/shared-with-me/",
        "/api/v1/share-links/",
        "/api/v1/changes/",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("param", "value"), [("cursor", "garbage"), ("limit", "0"), ("limit", "ten"), ("limit", "1001")]
)
def test_every_list_answers_a_bad_cursor_or_limit_with_a_400_naming_the_field(
    local_settings, owner, owner_client, param, value
):
    file = stored_file(owner, "report.txt")

    for url in _list_urls(file):
        joiner = "&" if "?" in url else "?"
        response = owner_client.get(f"{url}{joiner}{param}={value}")

        assert response.status_code == 400, (url, response.content)
        error = response.json()["error"]
        assert (error["code"], error["field"]) == ("invalid", param), url


@pytest.mark.django_db
def test_a_cursor_of_one_list_is_refused_by_another(local_settings, owner, owner_client):
    file = stored_file(owner, "report.txt")
    for number in range(3):
        stored_file(owner, "report.txt", f"version {number}".encode())
    versions_cursor = owner_client.get(f"/api/v1/files/{file.pk}/versions/?limit=1").json()["next"]
    assert versions_cursor

    for url in _list_urls(file):
        if "versions" in url:
            continue
        joiner = "&" if "?" in url else "?"
        response = owner_client.get(f"{url}{joiner}cursor={versions_cursor}")

        assert response.status_code == 400, url
        assert response.json()["error"]["field"] == "cursor"


def _listing_view(work):
    """A page view decorated like the lists' pages: runs `work(request)`, then answers 200."""

    @restart_on_bad_cursor("notifications")
    def view(request):
        work(request)
        return HttpResponse("listed")

    return view


def test_a_page_given_a_bad_cursor_goes_back_to_its_first_page():
    request = RequestFactory().get("/notifications/", {"cursor": "garbage"})
    view = _listing_view(lambda request: cursor_unsign(request.GET["cursor"], scope="notifications:1"))

    response = view(request)

    assert response.status_code == 302 and response["Location"] == reverse("notifications")


def test_a_page_lets_other_input_errors_through_rather_than_restart():
    def refuse_the_limit(request):
        raise InvalidInput("limit must be a whole number.", field="limit")

    request = RequestFactory().get("/notifications/", {"limit": "ten"})

    with pytest.raises(InvalidInput) as raised:
        _listing_view(refuse_the_limit)(request)

    assert raised.value.details == {"field": "limit"}
