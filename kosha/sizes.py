"""Sizes as people read them in messages, the same way the web app writes them
(static/js/lib/format.js formatBytes): "1 byte", "1023 bytes", "1.0 KB", "2.0 GB"
(1024-based units, one decimal)."""

_UNITS = ["KB", "MB", "GB", "TB", "PB"]


def size_text(size_bytes: int) -> str:
    """`size_bytes` (a whole number of bytes) as "0 bytes", "1 byte", "512.0 KB",
    "5.0 GB"... Pure; raises nothing for an int."""
    if abs(size_bytes) < 1024:
        return f"{size_bytes} {'byte' if abs(size_bytes) == 1 else 'bytes'}"
    value, unit = size_bytes / 1024, 0
    while abs(value) >= 1024 and unit < len(_UNITS) - 1:
        value /= 1024
        unit += 1
    return f"{value:.1f} {_UNITS[unit]}"
