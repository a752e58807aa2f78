"""The Russian catalog is complete and its compiled .mo matches the .po (run `make messages`)."""

import ast
import gettext
from pathlib import Path

LOCALE = Path(__file__).resolve().parent.parent / "locale"


def po_entries(path: Path) -> dict[str, str]:
    """msgid → msgstr (first plural form) of a .po file, header and obsolete entries left out."""
    entries: dict[str, str] = {}
    key, current = None, {"msgid": "", "msgstr": ""}

    def flush() -> None:
        if current["msgid"]:
            entries[current["msgid"]] = current["msgstr"]

    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        if line.startswith("msgid "):
            flush()
            current = {"msgid": "", "msgstr": ""}
            key = "msgid"
            line = line[len("msgid ") :]
        elif line.startswith(("msgid_plural ", "msgstr[1]", "msgstr[2]", "msgstr[3]")):
            key = None
            continue
        elif line.startswith(("msgstr ", "msgstr[0] ")):
            key = "msgstr"
            line = line.split(" ", 1)[1]
        if key is not None:
            current[key] += ast.literal_eval(line)
    flush()
    return entries


def test_every_russian_message_is_translated() -> None:
    untranslated = [m for m, t in po_entries(LOCALE / "ru/LC_MESSAGES/django.po").items() if not t]

    assert untranslated == []
    assert "#, fuzzy" not in (LOCALE / "ru/LC_MESSAGES/django.po").read_text(encoding="utf-8")


def test_the_compiled_catalog_is_up_to_date() -> None:
    entries = po_entries(LOCALE / "ru/LC_MESSAGES/django.po")
    with (LOCALE / "ru/LC_MESSAGES/django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)

    stale = {
        msgid: translation
        for msgid, translation in entries.items()
        if "\x00" not in msgid and compiled.gettext(msgid) != translation
    }
    assert stale == {}, "run `make messages` (compilemessages) and commit the .mo"
