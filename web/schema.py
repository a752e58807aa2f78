"""How the OpenAPI schema describes :class:`BearerAuthentication` (drf-spectacular)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.BearerAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "A partner API key (`sdk_…`, acts for its partner) or a staff personal token "
                "(`sdt_…`, acts as its user). Shown once when issued; revoke and issue a new "
                "one if it leaks."
            ),
        }
