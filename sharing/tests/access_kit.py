"""The access matrix's vocabulary: personas, the extras a row may need, and the row
builders (see test_access_matrix.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property

from accounts.services import api_token_create, app_password_create
from kosha.origin import TASK
from kosha.testing.factories import folder, stored_file, stored_version
from kosha.testing.world import World
from storage.models import FileVersion
from storage.places import Place
from storage.services.archives import folder_archive_start
from storage.services.trash import file_trash, folder_trash
from storage.services.uploads import upload_start

PERSONAS = ["owner", "editor", "viewer", "link", "stranger", "anonymous"]
API = "/api/v1"


# --- the extras a row may need, made on first use ---------------------------------------------


class Extra:
    """Items some rows act on, made through the services on first use."""

    def __init__(self, world: World):
        self.world = world

    @cached_property
    def viewer_notice(self) -> int:
        from notifications.models import Notification

        return Notification.objects.get(user=self.world.viewer, kind="share_received").pk

    @cached_property
    def upload(self) -> str:
        """A session the editor started in Shared (nothing uploaded yet)."""
        started = upload_start(
            actor=self.world.editor,
            place=Place(owner=self.world.owner, folder=self.world.shared),
            name="from-editor.txt",
            size_bytes=3,
        )
        return str(started.upload.pk)

    @cached_property
    def older_version(self) -> str:
        """The first of world.file's two versions."""
        stored_version(self.world.file, b"second")
        return str(self.world.file.versions.order_by("number").first().pk)

    @cached_property
    def thumbnail_file(self) -> str:
        """world.file with a thumbnail key (the thumbnail task runs after commit, which a
        test transaction never reaches: set the key it would set)."""
        version = self.world.file.current_version
        FileVersion.objects.filter(pk=version.pk).update(thumbnail_key=version.key)
        return str(self.world.file.pk)

    @cached_property
    def trashed(self) -> str:
        """A file in Shared that the editor moved to the trash."""
        file = stored_file(self.world.owner, "binned.txt", b"bin", folder=self.world.shared)
        file_trash(actor=self.world.editor, file=file, origin=TASK)
        return str(file.pk)

    @cached_property
    def trashed_folder(self) -> str:
        """A folder in Shared, with a file, that the editor moved to the trash."""
        binned = folder(self.world.owner, "Binned", self.world.shared)
        stored_file(self.world.owner, "inside.txt", b"in", folder=binned)
        folder_trash(actor=self.world.editor, folder=binned, origin=TASK)
        return str(binned.pk)

    @cached_property
    def archive(self) -> str:
        """A zip of Shared the owner asked for."""
        return str(folder_archive_start(actor=self.world.owner, folder=self.world.shared, origin=TASK).pk)

    @cached_property
    def api_token(self) -> str:
        """One of the owner's API tokens."""
        token, _key = api_token_create(user=self.world.owner, name="cli")
        return str(token.pk)

    @cached_property
    def app_password(self) -> str:
        """One of the owner's app passwords."""
        found, _key = app_password_create(user=self.world.owner, name="laptop")
        return str(found.pk)


# --- the table ----------------------------------------------------------------------------------

Path = Callable[[World, Extra], str]
Body = Callable[[World, Extra], dict]


@dataclass(frozen=True)
class Row:
    """One route and method. `kind`: "api" (DRF, JSON body), "page" (a signed-in page or a
    public JSON probe, form body) or "link" (a public link view; `path` gets the token)."""

    method: str
    path: Path | Callable[[World, Extra, str], str]
    expect: dict[str, int]
    body: Body | None = None
    kind: str = "api"
    drop: bool = False  # a link row on the drop link rather than the folder link
    # A link row's answer for a link expired, revoked, used up, and locked by a password.
    states: dict[str, int] = field(
        default_factory=lambda: {"expired": 410, "revoked": 410, "exhausted": 404, "locked": 403}
    )


def api(method, path, owner, editor, viewer, stranger, *, body=None, signed_in=None) -> Row:
    """An API row: the four signed-in personas; the link holder and anonymous callers get
    a 401 with the `WWW-Authenticate: Token` challenge (token authentication first)."""
    expect = {"owner": owner, "editor": editor, "viewer": viewer, "stranger": stranger, "link": 401, "anonymous": 401}
    return Row(method, path, expect, body=body)


def moved(row: Row, old: str, new: str) -> Row:
    """`row` at another address (its path with `old` replaced by `new`), with the same
    answers: a route that is another door to the same view."""
    path = row.path
    return replace(row, path=lambda w, x: path(w, x).replace(old, new, 1))


def every_signed_in(method, path, status, *, body=None) -> Row:
    """An API row about the caller's own things: every signed-in persona gets `status`."""
    return api(method, path, status, status, status, status, body=body)


def page(method, path, owner, editor, viewer, stranger, *, anonymous=302, body=None) -> Row:
    """A signed-in page: anonymous callers and link holders go to the sign-in page."""
    expect = {
        "owner": owner,
        "editor": editor,
        "viewer": viewer,
        "stranger": stranger,
        "link": anonymous,
        "anonymous": anonymous,
    }
    return Row(method, path, expect, body=body, kind="page")


def public(method, path, status, *, body=None) -> Row:
    """A route anyone reaches alike (health probes, the API schema, webhooks)."""
    return Row(method, path, dict.fromkeys(PERSONAS, status), body=body, kind="page")


def link_row(method, path, status, *, drop=False, body=None, locked=403) -> Row:
    """A public link view: whoever holds the live link gets `status`; a guessed token 404."""
    expect = {**dict.fromkeys(PERSONAS, status), "anonymous": 404}
    states = {"expired": 410, "revoked": 410, "exhausted": 404, "locked": locked}
    return Row(method, path, expect, body=body, kind="link", drop=drop, states=states)
