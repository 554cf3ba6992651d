"""Every variable Kosha reads from the environment is documented where an operator looks:
a row of the README's configuration table and a line of .env.example, set or commented
(DESIGN.md, "Settings": `.env.example` lists every variable with a one-line comment)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ["kosha", "accounts", "plans", "storage", "sharing", "activity", "notifications", "dav"]
# What reads a variable: the settings helpers (kosha/env.py) and os.environ / os.getenv.
READ = re.compile(r'(?:\benv_\w+\(\s*|os\.environ(?:\.get)?[\[(]|os\.getenv\()"([A-Z][A-Z0-9_]+)"')
# Not configuration: Django's own module variable, and what only tests set.
NOT_SETTINGS = {"DJANGO_SETTINGS_MODULE"}


def _product_sources() -> list[Path]:
    sources = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            parts = set(path.relative_to(ROOT).parts)
            if parts & {"tests", "testing", "migrations"} or path.name == "pytest_environment.py":
                continue
            sources.append(path)
    return sources


def _variables_read() -> set[str]:
    found = set()
    for path in _product_sources():
        found.update(READ.findall(path.read_text()))
    return found - NOT_SETTINGS


def _readme_configuration() -> str:
    readme = (ROOT / "README.md").read_text()
    return readme[readme.index("\n## Configuration") : readme.index("\n## The API")]


def test_the_scan_finds_the_variables_of_every_settings_helper_and_of_os_environ():
    found = _variables_read()

    assert {"SECRET_KEY", "KOSHA_STORAGE", "KOSHA_UPLOAD_BATCH_MAX", "PROMETHEUS_MULTIPROC_DIR", "HOST"} <= found


def test_every_variable_read_has_a_row_in_the_readme_configuration_table():
    rows = [line for line in _readme_configuration().splitlines() if line.startswith("| `")]
    first_cells = " ".join(row.split(" | ")[0] for row in rows)

    missing = sorted(name for name in _variables_read() if f"`{name}`" not in first_cells)

    assert missing == []


def test_every_variable_read_has_a_line_in_the_env_example():
    lines = (ROOT / ".env.example").read_text().splitlines()
    listed = {match[1] for line in lines if (match := re.match(r"(?:# )?([A-Z][A-Z0-9_]+)=", line))}

    missing = sorted(_variables_read() - listed)

    assert missing == []
