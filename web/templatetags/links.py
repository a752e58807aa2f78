from django import template

from web.links import mailto_href

register = template.Library()


@register.filter
def mailto(email: str) -> str:
    """``{{ contact.email|mailto }}``: a ``mailto:`` href with the address percent-encoded."""
    return mailto_href(email or "")
