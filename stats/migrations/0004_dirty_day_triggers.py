"""Triggers that log the past Moscow days whose statistics changed (``stats_dirtyday``).

Each source table of the manager statistics gets row triggers: an insert or a delete logs the
day(s) of the row, an update of a column a figure reads logs the old and the new day(s); a
hand-over of a deal also logs the days of its orders' payments and ledger entries, and linking
an order to another deal the days of its ledger entries. Only days before the current Moscow
day are logged (Moscow is UTC+3 all year), so the writes of today add nothing. The same
statements are written for PostgreSQL (a plpgsql function per table) and SQLite.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

# table: (columns an update must change to count, [(timestamp, condition on the row)],
#         (column whose change moves related rows, [selects of their timestamps]))
SOURCES: dict[str, tuple[list[str], list[tuple[str, str]], tuple[str, list[str]] | None]] = {
    "queue_queueevent": (
        ["kind", "created_at", "first_touch_at", "manager_id"],
        [("created_at", "{r}.kind = 'taken' AND {r}.manager_id IS NOT NULL")],
        None,
    ),
    "queue_touch": (["created_at", "manager_id"], [("created_at", "")], None),
    "crm_deal": (
        ["created_at", "lead_created_at", "closed_at", "status", "responsible_id", "lost_reason"],
        [("created_at", ""), ("closed_at", "")],
        (
            "responsible_id",
            [
                "SELECT o.paid_at AS ts FROM orders_order o WHERE o.deal_id = NEW.id",
                "SELECT l.created_at AS ts FROM billing_ledgerentry l"
                " JOIN orders_order o ON o.id = l.order_id WHERE o.deal_id = NEW.id",
            ],
        ),
    ),
    "orders_order": (
        ["paid_at", "amount", "refunded_amount", "status", "deal_id"],
        [("paid_at", "{r}.deal_id IS NOT NULL")],
        ("deal_id", ["SELECT l.created_at AS ts FROM billing_ledgerentry l WHERE l.order_id = NEW.id"]),
    ),
    "billing_ledgerentry": (["created_at", "amount", "order_id"], [("created_at", "")], None),
}

PG_DAY = "(t.ts AT TIME ZONE 'Europe/Moscow')::date"
PG_TODAY = "(clock_timestamp() AT TIME ZONE 'Europe/Moscow')::date"
SQLITE_DAY = "date(t.ts, '+3 hours')"
SQLITE_TODAY = "date('now', '+3 hours')"


def _mark(select: str, day: str, today: str) -> str:
    return (
        f"INSERT INTO stats_dirtyday (day, created_at) SELECT DISTINCT {day}, CURRENT_TIMESTAMP"
        f" FROM ({select}) t WHERE t.ts IS NOT NULL AND {day} < {today};"
    )


def _row_marks(table: str, row: str, day: str, today: str) -> list[str]:
    _columns, stamps, _related = SOURCES[table]
    marks = []
    for column, condition in stamps:
        where = f" WHERE {condition.format(r=row)}" if condition else ""
        marks.append(_mark(f"SELECT {row}.{column} AS ts{where}", day, today))
    return marks


def _related_marks(table: str, day: str, today: str) -> tuple[str, list[str]] | None:
    related = SOURCES[table][2]
    if related is None:
        return None
    column, selects = related
    return column, [_mark(select, day, today) for select in selects]


def _changed(table: str, distinct: str) -> str:
    columns = SOURCES[table][0]
    return " OR ".join(f"OLD.{c} {distinct} NEW.{c}" for c in columns)


def postgresql_sql() -> tuple[list[str], list[str]]:
    forward, backward = [], []
    for table in SOURCES:
        old = "\n    ".join(_row_marks(table, "OLD", PG_DAY, PG_TODAY))
        new = "\n    ".join(_row_marks(table, "NEW", PG_DAY, PG_TODAY))
        related = _related_marks(table, PG_DAY, PG_TODAY)
        moved = ""
        if related is not None:
            column, marks = related
            moved = (
                f"\n  IF TG_OP = 'UPDATE' AND OLD.{column} IS DISTINCT FROM NEW.{column} THEN\n"
                + "\n".join(f"    {m}" for m in marks)
                + "\n  END IF;"
            )
        function = f"stats_dirty_{table}"
        forward.append(
            f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n"
            f"  IF TG_OP <> 'INSERT' THEN\n    {old}\n  END IF;\n"
            f"  IF TG_OP <> 'DELETE' THEN\n    {new}\n  END IF;{moved}\n"
            f"  RETURN NULL;\nEND $$;"
        )
        forward.append(
            f"CREATE TRIGGER {function}_insdel AFTER INSERT OR DELETE ON {table}"
            f" FOR EACH ROW EXECUTE FUNCTION {function}();"
        )
        forward.append(
            f"CREATE TRIGGER {function}_upd AFTER UPDATE ON {table} FOR EACH ROW"
            f" WHEN ({_changed(table, 'IS DISTINCT FROM')}) EXECUTE FUNCTION {function}();"
        )
        backward.append(f"DROP TRIGGER IF EXISTS {function}_insdel ON {table};")
        backward.append(f"DROP TRIGGER IF EXISTS {function}_upd ON {table};")
        backward.append(f"DROP FUNCTION IF EXISTS {function}();")
    return forward, backward


def sqlite_sql() -> tuple[list[str], list[str]]:
    forward, backward = [], []
    for table in SOURCES:
        name = f"stats_dirty_{table}"
        old = _row_marks(table, "OLD", SQLITE_DAY, SQLITE_TODAY)
        new = _row_marks(table, "NEW", SQLITE_DAY, SQLITE_TODAY)
        forward.append(
            f"CREATE TRIGGER {name}_ins AFTER INSERT ON {table} FOR EACH ROW BEGIN\n"
            + "\n".join(new)
            + "\nEND;"
        )
        forward.append(
            f"CREATE TRIGGER {name}_del AFTER DELETE ON {table} FOR EACH ROW BEGIN\n"
            + "\n".join(old)
            + "\nEND;"
        )
        forward.append(
            f"CREATE TRIGGER {name}_upd AFTER UPDATE ON {table} FOR EACH ROW"
            f" WHEN {_changed(table, 'IS NOT')} BEGIN\n" + "\n".join(old + new) + "\nEND;"
        )
        related = _related_marks(table, SQLITE_DAY, SQLITE_TODAY)
        if related is not None:
            column, marks = related
            forward.append(
                f"CREATE TRIGGER {name}_moved AFTER UPDATE OF {column} ON {table} FOR EACH ROW"
                f" WHEN OLD.{column} IS NOT NEW.{column} BEGIN\n" + "\n".join(marks) + "\nEND;"
            )
            backward.append(f"DROP TRIGGER IF EXISTS {name}_moved;")
        for suffix in ("ins", "del", "upd"):
            backward.append(f"DROP TRIGGER IF EXISTS {name}_{suffix};")
    return forward, backward


def _run(schema_editor: Any, *, forward: bool) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        statements = postgresql_sql()
    elif vendor == "sqlite":
        statements = sqlite_sql()
    else:  # pragma: no cover - the project supports these two
        raise RuntimeError(f"no statistics triggers for {vendor}")
    for statement in statements[0 if forward else 1]:
        schema_editor.execute(statement, params=None)


def create_triggers(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, forward=True)


def drop_triggers(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, forward=False)


class Migration(migrations.Migration):
    dependencies = [
        ("stats", "0003_rollup"),
        ("queue", "0005_take_first_touch_at"),
        ("crm", "0015_deal_lost_reason"),
        ("orders", "0009_stats_indexes"),
        ("billing", "0004_stats_indexes"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
