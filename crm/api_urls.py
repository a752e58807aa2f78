"""API v1 routes of the crm app (included by salesdesk/urls.py)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
