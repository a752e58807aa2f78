from functools import cache
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import PARTNER_ROLES, SELLER_ROLES, Role
from notifications.selectors import unread_count


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The top menu for the logged-in user's role."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "search_url": ""}
    role = getattr(user, "role", None)
    items: list[tuple[str, str]] = []
    if role in PARTNER_ROLES:
        items.append((_("Cabinet"), reverse("partners:cabinet")))
        items.append((_("Products"), reverse("partners:products")))
        items.append((_("Alignment calls"), reverse("partners:calls")))
        items.append((_("Orders"), reverse("orders:list")))
        items.append((_("Buyers"), reverse("crm:contacts")))
        items.append((_("Deals"), reverse("deals_cabinet:list")))
        items.append((_("Billing"), reverse("billing:overview")))
        items.append((_("Sales department results"), reverse("partner_stats:report")))
        items.append((_("Deal settings"), reverse("crm_settings:deal-settings")))
        items.append((_("Scripts"), reverse("scripts:list")))
    if role in SELLER_ROLES:
        items.append((_("Workspace"), reverse("queue:workspace")))
        items.append((_("My deals"), reverse("deals:list")))
        items.append((_("Buyers"), reverse("contacts:contacts")))
        items.append((_("Tasks"), reverse("tasks:list")))
        items.append((_("My statistics"), reverse("stats_mine:mine")))
    if role in (Role.HEAD, Role.QA):
        items.append((_("Head of sales"), reverse("head-home")))
        items.append((_("Sales queue"), reverse("queue_head:queue")))
        items.append((_("Applications"), reverse("partners_head:applications")))
        items.append((_("Call slots"), reverse("partners_head:slots")))
        items.append((_("Deal stages"), reverse("stages:index")))
        items.append((_("Statistics"), reverse("stats_head:managers")))
    if role == Role.HEAD:
        items.append((_("Deals"), reverse("deals_head:list")))
        items.append((_("Buyers"), reverse("contacts_head:contacts")))
        items.append((_("Fees"), reverse("billing_head:fees")))
        items.append((_("Task monitor"), reverse("tasks_head:monitor")))
        items.append((_("Notifications"), reverse("notifications_head:list")))
    if role not in PARTNER_ROLES:
        items.append((_("API tokens"), reverse("accounts:tokens")))
    # The global search, for those who work deals (web.search.SEARCH_ROLES).
    searches = role in SELLER_ROLES or role == Role.HEAD
    # The bell's number, counted only when a template shows it (a full page, not a partial).
    bell_unread = cache(lambda: unread_count(user))
    return {
        "nav_items": items,
        "search_url": reverse("search") if searches else "",
        "bell_unread": bell_unread,
    }
