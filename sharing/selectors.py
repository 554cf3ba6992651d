"""Reads of the sharing app: the owner's shares and links, what is shared with a user,
a link by its token, folder listings as the actor may see them, and the trash."""

from __future__ import annotations

import functools
import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from kosha.errors import Gone, NotFound
from kosha.pages import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    Page,
    cursor_invalid,
    cursor_sign,
    cursor_unsign,
    keyset_after,
    keyset_order,
    keyset_page,
    limit_clean,
)
from sharing.access import Role, shared_scope_for_actor
from sharing.link_tokens import TOKEN_LENGTH, token_sha256
from sharing.models import Invitation, Share, ShareLink
from storage.ids import parse_id
from storage.listing import ListingPage, folder_items_list_for_user
from storage.models import File, Folder, UploadSession
from storage.selectors import trash_roots_for_user

if TYPE_CHECKING:
    from accounts.models import User


def _newest_first_page(queryset: QuerySet, *, cursor: str | None, limit: int | None, scope: str) -> Page:
    """Keyset page on (-created_at, -id), which the models' indexes cover."""
    limit = limit_clean(limit, default=DEFAULT_LIMIT, maximum=MAX_LIMIT)
    return keyset_page(queryset, keys=["created_at"], descending=True, cursor=cursor, limit=limit, scope=scope)


def share_list_for_owner(*, owner: User, cursor: str | None = None, limit: int | None = None) -> Page:
    """The shares the owner has made and their pending, unexpired invitations, merged
    newest first on (created_at, id): two queries per page (limit + 1 rows of each),
    whatever the mix. An invitation lists like a share (its address as the grantee) so
    the list never tells which addresses have accounts. Raises InvalidCursor (an InvalidInput)."""
    limit = limit_clean(limit, default=DEFAULT_LIMIT, maximum=MAX_LIMIT)
    scope = f"sharing.shares:{owner.pk}"
    order = ["created_at", "pk"]
    shares = Share.objects.filter(owner=owner).select_related("grantee", "file", "folder")
    invitations = Invitation.objects.filter(
        owner=owner, accepted_at__isnull=True, expires_at__gt=timezone.now()
    ).select_related("file", "folder")
    if cursor not in (None, ""):
        after = cursor_unsign(cursor, scope=scope, length=len(order))
        after[1] = parse_id(after[1])
        if after[1] is None:
            raise cursor_invalid()
        shares = shares.filter(keyset_after(order, after, descending=True))
        invitations = invitations.filter(keyset_after(order, after, descending=True))
    newest_first = keyset_order(order, descending=True)
    rows: list[Share | Invitation] = [
        *shares.order_by(*newest_first)[: limit + 1],
        *invitations.order_by(*newest_first)[: limit + 1],
    ]
    rows.sort(key=lambda row: (row.created_at, row.pk), reverse=True)
    if len(rows) <= limit:
        return Page(items=rows, next_cursor=None)
    rows = rows[:limit]
    last = rows[-1]
    return Page(items=rows, next_cursor=cursor_sign([last.created_at, last.pk], scope=scope))


def shares_with_user(*, user: User, cursor: str | None = None, limit: int | None = None) -> Page:
    """Shares of live items granted to user, newest first, with item and owner joined."""
    queryset = (
        Share.objects.filter(grantee=user)
        .filter(
            Q(file__isnull=False, file__deleted_at__isnull=True)
            | Q(folder__isnull=False, folder__deleted_at__isnull=True)
        )
        .select_related("owner", "file", "folder")
    )
    return _newest_first_page(queryset, cursor=cursor, limit=limit, scope=f"sharing.with-me:{user.pk}")


def share_link_list_for_owner(*, owner: User, cursor: str | None = None, limit: int | None = None) -> Page:
    queryset = ShareLink.objects.filter(owner=owner).select_related("file", "folder")
    return _newest_first_page(queryset, cursor=cursor, limit=limit, scope=f"sharing.links:{owner.pk}")


def links_expiring_between(*, start: datetime, end: datetime) -> QuerySet[ShareLink]:
    """Links still on (not revoked) whose expiry falls in (start, end], with their items:
    the scheduled "link about to expire" notice reads them. Whether a download limit is
    used up is the caller's to check (ShareLink.is_exhausted)."""
    return ShareLink.objects.filter(revoked_at__isnull=True, expires_at__gt=start, expires_at__lte=end).select_related(
        "file", "folder"
    )


def pending_uploads_for_owner(*, owner: User, cursor: str | None = None, limit: int | None = None) -> Page:
    """The unfinished uploads into owner's space, whoever started them (the owner, an
    editor of a shared folder, a visitor through a drop link), newest first: what holds
    a reservation of the owner's quota now. One query per page; each row carries its
    starter and, for a drop, the link (DropStart)."""
    queryset = UploadSession.objects.filter(owner=owner, status=UploadSession.Status.PENDING).select_related(
        "folder", "created_by", "drop_start__link"
    )
    return _newest_first_page(queryset, cursor=cursor, limit=limit, scope=f"sharing.pending-uploads:{owner.pk}")


def link_get_by_token(*, token: str) -> ShareLink:
    """The link a token opens. NotFound for an unknown, malformed, truncated or
    tampered token and for a link whose downloads are used up; Gone (410) for an expired
    or revoked one. Neither error names the item."""
    if not isinstance(token, str) or len(token) != TOKEN_LENGTH:
        raise NotFound("Not found.", resource="share_link")
    link = (
        ShareLink.objects.select_related("owner", "file__current_version", "folder")
        .filter(token_sha256=token_sha256(token))
        .first()
    )
    if link is None or link.is_exhausted:
        raise NotFound("Not found.", resource="share_link")
    if link.revoked_at is not None or link.is_expired(timezone.now()):
        raise Gone("This link has expired or was turned off.", resource="share_link")
    item = link.item
    if item is None or item.deleted_at is not None:
        raise NotFound("Not found.", resource="share_link")
    return link


def _trim_breadcrumbs(page: ListingPage, *, top_id: uuid.UUID | None) -> ListingPage:
    """Breadcrumbs from the shared folder down: the folders above it are not shared."""
    ids = [crumb.id for crumb in page.breadcrumbs]
    start = ids.index(top_id) if top_id in ids else len(ids)
    return ListingPage(items=page.items, next_cursor=page.next_cursor, breadcrumbs=page.breadcrumbs[start:])


def folder_items_for_grant(
    *, actor: User, folder: Folder | None, sort: str | None = None, cursor: str | None = None, limit: int | None = None
) -> ListingPage:
    """One page of a folder the actor may see (from sharing.access, with its grant), or
    of the root of the actor's own space (folder None), with the owner's listing
    selector. Breadcrumbs start at the folder the access comes through: the owner's
    folders above a shared one are not the actor's to see. Raises InvalidInput (sort,
    limit, cursor)."""
    if folder is None:
        return folder_items_list_for_user(
            user=actor, folder_id=None, sort=sort, cursor=cursor, limit=limit, viewer=actor
        )
    page = folder_items_list_for_user(
        user=folder.owner, folder_id=folder.pk, sort=sort, cursor=cursor, limit=limit, viewer=actor
    )
    if folder.grant.root_id is None:
        return page
    return _trim_breadcrumbs(page, top_id=folder.grant.root_id)


def link_folder_items(
    *, link: ShareLink, folder: Folder, sort: str | None = None, cursor: str | None = None, limit: int | None = None
) -> ListingPage:
    page = folder_items_list_for_user(user=link.owner, folder_id=folder.pk, sort=sort, cursor=cursor, limit=limit)
    return _trim_breadcrumbs(page, top_id=link.folder_id)


def trash_list_for_actor(*, actor: User, cursor: str | None = None, limit: int) -> Page[Folder | File]:
    """One page of actor's trash (sharing.access.trash_item_for_actor says whose): every
    trash root of actor's space, and those actor trashed in other people's spaces while
    actor may still edit the folder each was in. Two queries, and two more (the shares
    and the folders under them) only when the page holds another person's items. A page
    may come back shorter than `limit` when some of those are no longer restorable; its
    cursor still goes on from the last row read. Raises InvalidCursor (an InvalidInput)."""
    page = trash_roots_for_user(user=actor, cursor=cursor, limit=limit)
    if all(item.owner_id == actor.pk for item in page.items):
        return page
    scope = shared_scope_for_actor(actor=actor)
    kept = []
    for item in page.items:
        if item.owner_id == actor.pk:
            kept.append(item)
            continue
        parent_id = item.parent_id if isinstance(item, Folder) else item.folder_id
        grant = scope.folder_grant(parent_id)
        if grant is not None and grant.role >= Role.EDITOR:
            kept.append(item)
    return Page(items=kept, next_cursor=page.next_cursor)


@functools.cache
def _shared_in_folder_sql(*, at_root: bool) -> str:
    """The query of shared_ids_in_folder, written once from the models' tables and
    columns (the ORM compiled this UNION anew for every listing, ~1 ms of CPU)."""
    quote = connection.ops.quote_name
    file, folder = quote(File._meta.db_table), quote(Folder._meta.db_table)
    # A child of the folder: a file whose folder it is, or a folder whose parent it is.
    # Only the models' table names and fixed conditions are interpolated, never a value.
    here = (
        "((item.file_id IS NOT NULL AND f.folder_id IS NULL) OR (item.folder_id IS NOT NULL AND d.parent_id IS NULL))"
        if at_root
        else "(f.folder_id = %s OR d.parent_id = %s)"
    )

    def shared_by(table: str, live: str) -> str:
        return (
            f"SELECT item.file_id, item.folder_id FROM {quote(table)} item"  # noqa: S608
            f" LEFT OUTER JOIN {file} f ON f.id = item.file_id LEFT OUTER JOIN {folder} d ON d.id = item.folder_id"
            f" WHERE item.owner_id = %s{live} AND {here}"
        )

    links = " AND item.revoked_at IS NULL AND item.expires_at > %s"
    return f"{shared_by(Share._meta.db_table, '')} UNION {shared_by(ShareLink._meta.db_table, links)}"


def shared_ids_in_folder(*, owner: User, folder_id: uuid.UUID | None) -> set[uuid.UUID]:
    """Which items directly in the owner's folder (None: the root) the owner shares, with
    people or by a live link: one query (a UNION) of fixed text, whatever the page size.
    For the file browser's "shared" marker: a page's item is marked when its id is in the
    set. Takes no locks."""
    owner_id = Share._meta.get_field("owner").get_db_prep_value(owner.pk, connection)
    now = ShareLink._meta.get_field("expires_at").get_db_prep_value(timezone.now(), connection)
    here: list = []
    if folder_id is not None:
        here = [File._meta.get_field("folder").get_db_prep_value(folder_id, connection)] * 2
    with connection.cursor() as cursor:
        cursor.execute(_shared_in_folder_sql(at_root=folder_id is None), [owner_id, *here, owner_id, now, *here])
        rows = cursor.fetchall()
    convert = File._meta.pk.to_python  # SQLite gives the ids as text
    return {convert(item_id) for row in rows for item_id in row if item_id is not None}
