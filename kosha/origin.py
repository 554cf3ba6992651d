"""Where an action came from: the client's address and the door it came through.

Each door builds one `Origin` per request (or per task run) and hands it to the write
service, which records it on the activity event in the same transaction. Services never
see the request itself.

- `web`: a signed-in page, or the web app calling the API with its session cookie;
- `api`: an API client with a personal token;
- `link`: a public link page or a drop, where the actor is nobody (None);
- `admin`: an operator's action in the Django admin;
- `task`: a worker, a management command or a store notification acting on its own;
- `dav`: the WebDAV door.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from kosha.addresses import client_ip

Via = Literal["web", "api", "link", "admin", "task", "dav"]
VIAS: tuple[str, ...] = get_args(Via)


@dataclass(frozen=True)
class Origin:
    """ip: the client's address as kosha.addresses.client_ip saw it (None for a task);
    via: the door (one of VIAS)."""

    ip: str | None
    via: Via

    def __post_init__(self) -> None:
        if self.via not in VIAS:
            raise ValueError(f"via must be one of {VIAS}, not {self.via!r}")

    @classmethod
    def of(cls, request, *, via: Via) -> Origin:
        """The origin of a Django or DRF request arriving through `via`."""
        return cls(ip=client_ip(request), via=via)

    @classmethod
    def of_api(cls, request) -> Origin:
        """The origin of a DRF request: `web` when the web app sent it with the session
        cookie, `api` for a token (or any other authenticator)."""
        from rest_framework.authentication import SessionAuthentication

        by_session = isinstance(getattr(request, "successful_authenticator", None), SessionAuthentication)
        return cls.of(request, via="web" if by_session else "api")


# A worker, a command or a store notification: no client, no address.
TASK = Origin(ip=None, via="task")
