"""The embedded SQLite backend's ``LIKE`` made Unicode-aware.

SQLite folds case only for ASCII letters, so on the embedded default a search for «анна» would
not find «Анна» (PostgreSQL's ``ILIKE`` does). Replacing SQLite's ``like()`` with a Python one
gives the embedded backend the same case-insensitive matching; Django's ``contains`` and
``icontains`` both compile to ``LIKE`` there, as they always have.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from django.db.backends.signals import connection_created


@functools.lru_cache(maxsize=512)
def _compile(pattern: str, escape: str | None) -> re.Pattern[str]:
    parts: list[str] = []
    chars = iter(pattern)
    for char in chars:
        if escape is not None and char == escape:
            parts.append(re.escape(next(chars, "")))
        elif char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def unicode_like(pattern: Any, value: Any, escape: Any = None) -> bool | None:
    """``value LIKE pattern [ESCAPE escape]`` with Unicode case folding; NULL stays NULL."""
    if pattern is None or value is None:
        return None
    return _compile(str(pattern), escape).fullmatch(str(value)) is not None


def install_unicode_like(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor != "sqlite":
        return
    raw = connection.connection
    raw.create_function("like", 2, unicode_like, deterministic=True)
    raw.create_function("like", 3, unicode_like, deterministic=True)


def connect() -> None:
    connection_created.connect(install_unicode_like, dispatch_uid="salesdesk-unicode-like")
