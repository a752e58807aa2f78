"""Links built from what a buyer typed: every part percent-encoded, so an address such as
``a?bcc=spy%40evil.example&subject=hi@example.com`` (valid as an email address) stays one
recipient and cannot add a hidden copy, a subject or a body to the manager's letter."""

from __future__ import annotations

from urllib.parse import quote


def mailto_href(email: str, *, subject: str = "", body: str = "") -> str:
    href = f"mailto:{quote(email.strip(), safe='@')}"
    parts = (("subject", subject), ("body", body))
    query = [f"{name}={quote(value, safe='')}" for name, value in parts if value]
    return href + ("?" + "&".join(query) if query else "")


def telegram_href(username: str) -> str:
    """``https://t.me/<username>`` for ``@username`` as the buyer gave it."""
    return f"https://t.me/{quote(username.strip().lstrip('@'), safe='')}"
