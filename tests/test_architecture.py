"""The layers hold: no import hidden in a function body, and pages and endpoints call the
use cases, not the lower services that would skip the queue or the fee.

The layers contract itself (which app may import which) is checked by ``lint-imports`` in
``make lint``; these checks cover what import-linter cannot see.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = [
    "salesdesk",
    "accounts",
    "notifications",
    "partners",
    "crm",
    "orders",
    "sales_queue",
    "billing",
    "stats",
    "web",
]


def _modules(app: str) -> list[Path]:
    return sorted(p for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts)


def _is_type_checking_block(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and (
        (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING")
        or (isinstance(node.test, ast.Attribute) and node.test.attr == "TYPE_CHECKING")
    )


def _nested_imports(tree: ast.Module) -> list[int]:
    """Line numbers of imports that run later than module import time."""
    lines: list[int] = []

    def visit(node: ast.AST, nested: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom) and nested:
                lines.append(child.lineno)
            elif _is_type_checking_block(child):
                continue  # never runs
            else:
                inner = nested or isinstance(
                    child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
                )
                visit(child, inner)

    visit(tree, nested=False)
    return lines


@pytest.mark.parametrize("app", APPS)
def test_app_code_has_no_imports_in_function_bodies(app: str) -> None:
    found = []
    for path in _modules(app):
        tree = ast.parse(path.read_text(), filename=str(path))
        found += [f"{path.relative_to(ROOT)}:{line}" for line in _nested_imports(tree)]

    assert found == [], f"imports inside functions (a hidden cycle?): {found}"


def test_the_checker_sees_an_import_in_a_function_body() -> None:
    tree = ast.parse(
        "import os\n"
        "if TYPE_CHECKING:\n    import sys\n"
        "def f():\n    from partners.services import partner_block\n"
        "class C:\n    def m(self):\n        import json\n"
    )

    assert _nested_imports(tree) == [5, 8]


# Lower services that change one app only; their use cases (the names on the right) also move
# the queue or the fee. A page or endpoint calling the lower one would leave the queue behind.
USE_CASE_OF = {
    ("partners.services", "partner_block"): "sales_queue.services.supply",
    ("partners.services", "partner_unblock"): "sales_queue.services.supply",
    ("partners.services", "product_block"): "sales_queue.services.supply",
    ("partners.services", "product_unblock"): "sales_queue.services.supply",
    ("partners.services", "sales_settings_update"): "sales_queue.services.supply",
    ("orders.services", "order_payment_record"): "billing.services.order_pay",
    ("orders.services", "order_refund_record"): "billing.services.order_refund",
    ("orders.services", "order_cancel_record"): "sales_queue.services.order_cancel",
}


def _bypasses(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    aliases: dict[str, str] = {}  # local name -> module, for "from partners import services"
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            # "from partners.services.decisions import product_block" counts as the package's
            package = node.module.split(".services")[0] + ".services"
            for alias in node.names:
                key = (package, alias.name)
                if ".services" in node.module and key in USE_CASE_OF:
                    found.append(f"{key[0]}.{key[1]} (use {USE_CASE_OF[key]})")
                if alias.name == "services":
                    aliases[alias.asname or alias.name] = f"{node.module}.services"
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
        ):
            key = (aliases[node.value.id], node.attr)
            if key in USE_CASE_OF:
                found.append(f"{key[0]}.{key[1]} (use {USE_CASE_OF[key]})")
    return found


def test_pages_and_endpoints_call_the_use_cases() -> None:
    found = {
        str(path.relative_to(ROOT)): bypasses
        for path in _modules("web")
        if (bypasses := _bypasses(path))
    }

    assert found == {}


def test_the_bypass_check_sees_both_import_styles(tmp_path: Path) -> None:
    module = tmp_path / "view.py"
    module.write_text(
        "from partners import services\n"
        "from orders.services import order_payment_record\n"
        "services.product_block(product=None, actor=None)\n"
        "services.product_approve(product=None, actor=None)\n"
    )

    assert _bypasses(module) == [
        "orders.services.order_payment_record (use billing.services.order_pay)",
        "partners.services.product_block (use sales_queue.services.supply)",
    ]
