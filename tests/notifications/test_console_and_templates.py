"""`make run` prints mail readably; the templates are Russian, English on request."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.mail import EmailMultiAlternatives

from notifications.services import notification_render
from partners.models import StatusChange
from salesdesk.mail import ConsoleEmailBackend
from tests.partners.factories import PartnerFactory, ProductFactory

pytestmark = pytest.mark.django_db


def test_the_console_backend_prints_the_subject_and_text_decoded() -> None:
    stream = StringIO()
    message = EmailMultiAlternatives(
        "SalesDesk: Курс «Python» — одобрен", "Здравствуйте!\nКурс одобрен.\n", to=["a@b.example"]
    )
    message.attach_alternative("<p>Здравствуйте!</p>", "text/html")

    ConsoleEmailBackend(stream=stream).send_messages([message])

    out = stream.getvalue()
    assert "Subject: SalesDesk: Курс «Python» — одобрен" in out
    assert "To: a@b.example" in out
    assert "Здравствуйте!\nКурс одобрен." in out
    assert "=?utf-8?" not in out and "base64" not in out
    assert "[text/html," in out


def test_consolemail_selects_the_readable_backend(tmp_path: Path) -> None:
    # given: `make run`'s default EMAIL_URL, in a fresh process (settings are read at start)
    env = {**os.environ, "EMAIL_URL": "consolemail://", "SALESDESK_VAR_DIR": str(tmp_path)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    code = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'salesdesk.settings'; "
        "from django.conf import settings; print(settings.EMAIL_BACKEND)"
    )

    # when
    result = subprocess.run(  # noqa: S603 (our own interpreter, fixed arguments)
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )

    # then
    assert result.stdout.strip() == "salesdesk.mail.ConsoleEmailBackend"


def test_the_decision_mail_is_russian_with_english_available() -> None:
    product = ProductFactory.create(partner=PartnerFactory.create(), name="Курс <Python> & Co")
    change = StatusChange(
        partner=product.partner,
        product=product,
        from_status="submitted",
        to_status="refused",
        reason="unacceptable_price",
        comment="Цена завышена",
    )
    context = {
        "change": change,
        "partner": product.partner,
        "product": product,
        "cabinet_url": "http://x/",
    }

    subject, text, html = notification_render("partner_decision", context)
    en_subject, en_text, _en_html = notification_render("partner_decision", context, language="en")

    assert subject == f"SalesDesk: Курс <Python> & Co — {change.to_label}"
    assert "Здравствуйте" in text and "Цена завышена" in text
    assert "Курс &lt;Python&gt; &amp; Co" in html  # escaped in HTML, not in text
    assert "Hello!" in en_text and "New status" in en_text
    assert en_subject.startswith("SalesDesk: Курс <Python> & Co — ")
