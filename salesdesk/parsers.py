import codecs
import json
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils.json import strict_constant

from salesdesk.money import json_number


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with Django's body-size limit applied, reading numbers as ``Decimal``.

    A JSON number with a fraction or an exponent becomes a ``Decimal`` as written (never a
    ``float``, which would lose kopecks); one with an exponent is marked so that money fields
    can refuse it (:func:`salesdesk.money.json_number`). NaN and Infinity stay a parse error.

    DRF reads the request stream directly, bypassing ``DATA_UPLOAD_MAX_MEMORY_SIZE``; an
    oversized body must be refused with a 413 before it is read into memory.
    """

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        request = (parser_context or {}).get("request")
        if limit is not None and request is not None:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                raise RequestDataTooBig("Request body exceeded DATA_UPLOAD_MAX_MEMORY_SIZE.")
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            decoded_stream = codecs.getreader(encoding)(stream)
            return json.load(
                decoded_stream, parse_float=json_number, parse_constant=strict_constant
            )
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
