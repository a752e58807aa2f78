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
    oversized body must be refused with a 413 before it is read into memory. Nesting deeper
    than ``API_JSON_MAX_DEPTH`` (no request of the API needs more than a few levels) is a parse
    error too — a thousand brackets in a 2 KB body would otherwise exhaust the decoder's
    recursion and answer 500.
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
            data = json.load(
                decoded_stream, parse_float=json_number, parse_constant=strict_constant
            )
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        except RecursionError:
            raise ParseError(_too_deep()) from None
        if _depth(data) > settings.API_JSON_MAX_DEPTH:
            raise ParseError(_too_deep())
        return data


def _too_deep() -> str:
    return f"JSON parse error - nested deeper than {settings.API_JSON_MAX_DEPTH} levels"


def _depth(data: Any) -> int:
    """How deeply arrays and objects nest in ``data`` (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, level + 1)
        if deepest > settings.API_JSON_MAX_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest
