"""Sentinels shared by services."""

import enum


class Unchanged(enum.Enum):
    """The type of UNCHANGED: an enum of one member, so that type checkers can narrow
    `name: str | Unchanged` with `name is UNCHANGED`."""

    UNCHANGED = "UNCHANGED"


# "Leave it as it is" for an update service's optional argument, distinct from None
# (which is a value there: the root folder, no password, no download limit).
UNCHANGED = Unchanged.UNCHANGED
