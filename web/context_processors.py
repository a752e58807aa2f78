from functools import cache
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import PARTNER_ROLES, SELLER_ROLES, Role
from notifications.selectors import unread_count


def link(label: str, url_name: str) -> dict[str, Any]:
    return {"label": label, "url": reverse(url_name)}


def group(label: str, *links: dict[str, Any]) -> dict[str, Any]:
    """A dropdown of the top menu (a <details> on the page); one link needs no dropdown."""
    if len(links) == 1:
        return links[0]
    return {"label": label, "children": list(links)}


def menu_for(role: str | None) -> list[dict[str, Any]]:
    """The top menu of a role: a few links, the rest grouped into dropdowns so that it fits one
    line at 1366 px (each entry is {label, url} or {label, children: [{label, url}, ...]})."""
    if role in PARTNER_ROLES:
        return [
            link(_("Cabinet"), "partners:cabinet"),
            link(_("Orders"), "orders:list"),
            group(
                _("Deals"),
                link(_("Deals"), "deals_cabinet:list"),
                link(_("Lead lists"), "lead_lists:list"),
                link(_("Buyers"), "crm:contacts"),
                link(_("Deal settings"), "crm_settings:deal-settings"),
                link(_("Scripts"), "scripts:list"),
            ),
            group(
                _("Sales department"),
                link(_("Products"), "partners:products"),
                link(_("Alignment calls"), "partners:calls"),
                link(_("Sales department results"), "partner_stats:report"),
            ),
            link(_("Billing"), "billing:overview"),
            link(_("Team"), "partners:team"),
        ]
    items: list[dict[str, Any]] = []
    if role in SELLER_ROLES:
        items += [
            link(_("Workspace"), "queue:workspace"),
            link(_("My deals"), "deals:list"),
            link(_("Buyers"), "contacts:contacts"),
            link(_("Tasks"), "tasks:list"),
        ]
    if role == Role.ACCOUNT_MANAGER:
        # Their portfolio second; statistics and tokens fold into «More» to keep one line.
        items.insert(1, link(_("My clients"), "portfolio:list"))
        items.append(
            group(
                _("More"),
                link(_("My statistics"), "stats_mine:mine"),
                link(_("API tokens"), "accounts:tokens"),
            )
        )
        return items
    if role in SELLER_ROLES:
        items.append(link(_("My statistics"), "stats_mine:mine"))
    if role == Role.QA:
        # QA's own pages first (the head has no access to them).
        items.append(link(_("Quality assurance"), "quality:queue"))
    if role in (Role.HEAD, Role.QA):
        # What the head and QA both see; the head's own entries follow.
        items += [
            link(_("Overview"), "head-home"),
            group(
                _("Sales department"),
                link(_("Applications"), "partners_head:applications"),
                link(_("Partners"), "partners_head:partners"),
                link(_("Call slots"), "partners_head:slots"),
            ),
            link(_("Sales queue"), "queue_head:queue"),
        ]
    if role == Role.HEAD:
        items += [
            group(
                _("Deals"),
                link(_("Deals"), "deals_head:list"),
                link(_("Buyers"), "contacts_head:contacts"),
                link(_("Deal stages"), "stages:index"),
                link(_("Task monitor"), "tasks_head:monitor"),
            ),
            link(_("Statistics"), "stats_head:managers"),
            link(_("Fees"), "billing_head:fees"),
            group(
                _("More"),
                link(_("Team"), "team_head:team"),
                link(_("Notifications"), "notifications_head:list"),
                link(_("API tokens"), "accounts:tokens"),
            ),
        ]
    elif role == Role.QA:
        items += [
            link(_("Deal stages"), "stages:index"),
            link(_("Statistics"), "stats_head:managers"),
            link(_("API tokens"), "accounts:tokens"),
        ]
    else:
        items.append(link(_("API tokens"), "accounts:tokens"))
    return items


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The top menu for the logged-in user's role."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "search_url": ""}
    role = getattr(user, "role", None)
    items = menu_for(role)
    # The global search, for those who work deals (web.search.SEARCH_ROLES).
    searches = role in SELLER_ROLES or role == Role.HEAD
    # The bell's number, counted only when a template shows it (a full page, not a partial).
    bell_unread = cache(lambda: unread_count(user))
    return {
        "nav_items": items,
        "search_url": reverse("search") if searches else "",
        "bell_unread": bell_unread,
    }
