"""The cheap poll, GET /api/v1/changes/latest/: an ETag from the cache, 304 while nothing
the caller may see changed, no query beyond signing in, a new tag after a commit."""

import pytest

from activity.models import ActivityEvent
from kosha.origin import TASK
from kosha.testing.clients import api_as, web_as
from kosha.testing.factories import stored_file
from sharing.change_marks import change_marks_bump
from sharing.services.shares import share_delete

pytestmark = pytest.mark.django_db

URL = "/api/v1/changes/latest/"


def tag_of(client) -> str:
    response = client.get(URL)
    assert response.status_code == 200, response.content
    assert response["ETag"] == f'"{response.json()["tag"]}"'
    assert response["Cache-Control"] == "private, no-cache"
    return response["ETag"]


def test_the_same_tag_is_a_304_with_no_query_and_no_body(django_assert_num_queries, owner):
    client = api_as(owner)
    etag = tag_of(client)

    with django_assert_num_queries(0):
        response = client.get(URL, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert response["ETag"] == etag
    assert response.content == b""


def test_with_a_signed_in_session_the_304_costs_only_the_session_and_user_reads(django_assert_num_queries, owner):
    client = web_as(owner)
    etag = tag_of(client)

    # 1. the session, 2. the user: Django's sign-in; nothing of the feed's own.
    with django_assert_num_queries(2):
        assert client.get(URL, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_the_first_poll_after_a_share_change_reads_who_shares_once(django_assert_num_queries, world):
    client = api_as(world.viewer)

    # 1. the owners who share with the viewer (then kept in the cache).
    with django_assert_num_queries(1):
        etag = tag_of(client)
    with django_assert_num_queries(0):
        assert client.get(URL, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_a_committed_change_in_my_space_moves_my_tag_not_a_strangers(
    django_capture_on_commit_callbacks, owner, stranger
):
    mine, theirs = tag_of(api_as(owner)), tag_of(api_as(stranger))

    with django_capture_on_commit_callbacks(execute=True):
        stored_file(owner, "new.txt")

    assert api_as(owner).get(URL, HTTP_IF_NONE_MATCH=mine).status_code == 200
    assert api_as(stranger).get(URL, HTTP_IF_NONE_MATCH=theirs).status_code == 304


def test_a_change_in_a_shared_space_moves_the_grantees_tag(django_capture_on_commit_callbacks, world):
    viewer = api_as(world.viewer)
    etag = tag_of(viewer)

    with django_capture_on_commit_callbacks(execute=True):
        stored_file(world.owner, "new.txt", folder=world.shared)

    assert viewer.get(URL, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_a_revoked_share_moves_the_grantees_tag_and_then_the_owners_changes_do_not(
    django_capture_on_commit_callbacks, world
):
    viewer = api_as(world.viewer)
    etag = tag_of(viewer)

    with django_capture_on_commit_callbacks(execute=True):
        share_delete(actor=world.owner, share=world.viewer_share, origin=TASK)
    assert viewer.get(URL, HTTP_IF_NONE_MATCH=etag).status_code == 200
    after_revoke = tag_of(viewer)
    with django_capture_on_commit_callbacks(execute=True):
        stored_file(world.owner, "new.txt", folder=world.shared)

    assert viewer.get(URL, HTTP_IF_NONE_MATCH=after_revoke).status_code == 304


def test_a_change_that_rolls_back_moves_no_tag(owner):
    etag = tag_of(api_as(owner))

    stored_file(owner, "never-committed.txt")  # the test's transaction never commits

    assert api_as(owner).get(URL, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_a_lost_mark_gives_a_new_tag_once(owner, fresh_cache):
    etag = tag_of(api_as(owner))

    fresh_cache()

    assert api_as(owner).get(URL, HTTP_IF_NONE_MATCH=etag).status_code == 200
    again = tag_of(api_as(owner))
    assert api_as(owner).get(URL, HTTP_IF_NONE_MATCH=again).status_code == 304


def test_a_weak_or_listed_etag_matches_and_a_stale_one_does_not(owner):
    client = api_as(owner)
    etag = tag_of(client)

    assert client.get(URL, HTTP_IF_NONE_MATCH=f'"stale", W/{etag}').status_code == 304
    assert client.get(URL, HTTP_IF_NONE_MATCH='"stale"').status_code == 200


def test_the_poll_says_how_often_to_ask(settings, owner):
    settings.KOSHA_CHANGES_POLL_SECONDS = 7

    assert api_as(owner).get(URL).json()["poll_seconds"] == 7


def test_anonymous_callers_are_refused(client):
    assert client.get(URL).status_code in (401, 403)


def test_the_file_browser_page_starts_polling_from_the_tag_it_was_rendered_at(local_settings, owner):
    client = web_as(owner)

    page = client.get("/").content.decode()

    tag = tag_of(client).strip('"')
    assert f'data-changes-tag="{tag}"' in page
    assert 'data-changes-poll-seconds="10"' in page


def test_events_given_with_their_owner_as_text_or_as_a_uuid_move_that_owners_tag_once(owner, stranger):
    """change_marks_bump takes the events as built (an owner id as a UUID) or with the id as
    text; a hundred events of one space make one new mark, and no other space's moves."""
    for owner_id in (owner.pk, str(owner.pk), owner.pk.hex):
        mine, theirs = tag_of(api_as(owner)), tag_of(api_as(stranger))
        events = [ActivityEvent(owner_id=owner_id, kind=ActivityEvent.Kind.UPLOAD_COMPLETED) for _ in range(100)]

        change_marks_bump(sender=ActivityEvent, event_ids=[], events=events)

        assert api_as(owner).get(URL, HTTP_IF_NONE_MATCH=mine).status_code == 200
        assert api_as(stranger).get(URL, HTTP_IF_NONE_MATCH=theirs).status_code == 304
