"""A console email backend that a person can read (``EMAIL_URL=consolemail://``, the default of
``make run``): Django's prints the raw MIME message, where a Russian subject is base64
(``=?utf-8?b?...?=``) and each part is encoded."""

from __future__ import annotations

from email.header import decode_header, make_header
from typing import Any

from django.core.mail.backends.console import EmailBackend

HEADERS = ("From", "To", "Cc", "Reply-To", "Date", "Subject")


class ConsoleEmailBackend(EmailBackend):
    """Decoded headers, the text part as it reads, the other parts by type and size."""

    def write_message(self, message: Any) -> None:
        msg = message.message()
        lines = []
        for name in HEADERS:
            value = msg.get(name)
            if value:
                lines.append(f"{name}: {make_header(decode_header(str(value)))}")
        for part in msg.walk():
            if part.is_multipart():
                continue
            payload = part.get_payload(decode=True) or b""
            content_type = part.get_content_type()
            if content_type == "text/plain":
                lines += ["", payload.decode(part.get_content_charset() or "utf-8", "replace")]
            else:
                lines.append(f"[{content_type}, {len(payload)} bytes]")
        self.stream.write("\n".join(lines).rstrip("\n") + "\n")
        self.stream.write("-" * 79 + "\n")
