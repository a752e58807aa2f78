"""Settings of the server ``bench http`` starts: the project's, plus the bench-only routes of
:mod:`bench.server_urls` (a bare endpoint). Production never loads this module."""

from salesdesk.settings import *  # noqa: F403

ROOT_URLCONF = "bench.server_urls"
