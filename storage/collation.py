"""The order people expect for names: case-insensitive, accent-aware and natural
("file2" before "file10", "apple" beside "Äpfel"), as a desktop file manager and the web
app's static/js/lib/sort.js sort them, everywhere the server orders by name.

PostgreSQL orders with the ICU collation `kosha_natural` (root locale, numeric ordering
on: `und-u-kn-true`), made by migration storage 0009. It is deterministic, so names that
compare equal at the primary level ("a.txt", "A.txt") are still ordered (by their bytes)
and `=` stays byte equality: a keyset cursor on (name under this collation, id) is as
stable as one on the raw name. SQLite gets a collation of the same name on every
connection (`sqlite_collation_register`), computed by `name_sort_key` in Python.
Spec: Unicode Technical Standard #10 (collation), CLDR's `kn` key (numeric ordering).
"""

from __future__ import annotations

import re
import unicodedata

from django.db.models import F
from django.db.models.functions import Collate

NAME_COLLATION = "kosha_natural"
ICU_LOCALE = "und-u-kn-true"

_DIGITS = re.compile(r"(\d+)")


def name_sort_key(name: str) -> tuple:
    """The key that sorts `name` as `kosha_natural` does (ICU may still place some
    punctuation differently), for Python's sorted() and SQLite:
    accents stripped (NFKD without combining marks) and case folded, runs of digits
    compared as numbers, then the name's own code points as the tiebreak, so the order
    is total. Pure; raises nothing."""
    decomposed = unicodedata.normalize("NFKD", name)
    base = "".join(character for character in decomposed if not unicodedata.combining(character)).casefold()
    # split() alternates text and digit runs from a text run, so equal positions of two
    # keys always hold the same type.
    parts = tuple(int(part) if index % 2 else part for index, part in enumerate(_DIGITS.split(base)))
    return parts, name


def _compare(left: str, right: str) -> int:
    left_key, right_key = name_sort_key(left), name_sort_key(right)
    return (left_key > right_key) - (left_key < right_key)


def sqlite_collation_register(sender, connection, **kwargs) -> None:
    """connection_created receiver: the `kosha_natural` collation on every SQLite
    connection (PostgreSQL has it from the migration)."""
    if connection.vendor == "sqlite":
        connection.connection.create_collation(NAME_COLLATION, _compare)


def name_collated(field: str = "name") -> Collate:
    """`field` under the natural name collation, for order_by(), annotate() and keyset
    comparisons (a comparison takes its left operand's collation)."""
    return Collate(F(field), NAME_COLLATION)
