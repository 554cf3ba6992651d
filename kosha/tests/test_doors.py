"""The doors (views, API, admin, tasks, commands, link views) reach items only through
sharing.access: a door that loads a file, folder, version, upload, archive, share or link
by itself would skip the access rule. These checks read the doors' source."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOOR_GLOBS = [
    "*/api/*.py",
    "*/views.py",
    "*/*_views.py",
    "*/admin.py",
    "*/tasks.py",
    "*/management/commands/*.py",
    "storage/local_views.py",
    "storage/backends/local/views.py",
    "kosha/urls.py",
    "kosha/health.py",
    "dav/**/*.py",
]
# Rows a door must never fetch itself: sharing.access turns ids into these.
ITEM_MODELS = {"File", "Folder", "FileVersion", "UploadSession", "FolderArchive", "Share", "ShareLink"}


def _door_modules() -> list[Path]:
    found = {path for pattern in DOOR_GLOBS for path in ROOT.glob(pattern) if "tests" not in path.parts}
    return sorted(path for path in found if ".venv" not in path.parts)


def _item_queries(tree: ast.AST) -> list[str]:
    """`File.objects...` and the like: an item loaded without the access rule."""
    return [
        f"{node.value.id}.objects (line {node.lineno})"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr in ("objects", "_default_manager")
        and isinstance(node.value, ast.Name)
        and node.value.id in ITEM_MODELS
    ]


def _private_imports(tree: ast.AST) -> list[str]:
    """Private names (a leading underscore) imported from another module: the building
    blocks behind the access rule (sharing.access's loaders) stay where they are."""
    return [
        f"{node.module}.{alias.name} (line {node.lineno})"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if alias.name.startswith("_") and not alias.name.startswith("__")
    ]


def test_the_door_modules_are_found():
    names = {str(path.relative_to(ROOT)) for path in _door_modules()}

    assert {"storage/api/views.py", "storage/views.py", "sharing/views.py", "sharing/admin.py"} <= names


def test_no_door_loads_an_item_itself():
    offenders = {
        str(path.relative_to(ROOT)): found
        for path in _door_modules()
        if (found := _item_queries(ast.parse(path.read_text())))
    }

    assert offenders == {}, "load items with sharing.access (file_for_actor and its kin)"


def test_no_door_imports_a_private_building_block():
    offenders = {
        str(path.relative_to(ROOT)): found
        for path in _door_modules()
        if (found := _private_imports(ast.parse(path.read_text())))
    }

    assert offenders == {}


def test_the_guard_sees_an_item_loaded_directly():
    door = ast.parse("from storage.models import File\ndef view(request, pk):\n    return File.objects.get(pk=pk)\n")

    assert _item_queries(door) == ["File.objects (line 3)"]
    assert _private_imports(ast.parse("from sharing.access import _live_file\n")) == [
        "sharing.access._live_file (line 1)"
    ]
