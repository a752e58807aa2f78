"""Link the orders received before contacts existed to their buyers' contacts.

The rule of ``crm.services.contact_find_or_create``, oldest order first: per partner, a buyer is
found again by phone (E.164, as intake stored it), else by lower-cased email; the found contact's
empty fields are filled, never overwritten; a phone or email another contact already holds is
not copied (one contact per partner and phone, and per partner and email). An order with
neither phone nor email gets a contact of its own.
"""

from typing import Any

from django.db import migrations
from django.db.models import OuterRef, Subquery
from django.utils import timezone

BATCH = 2000
FIELDS = ("name", "phone", "email", "telegram", "whatsapp")


def link(apps: Any, schema_editor: Any) -> None:
    Order = apps.get_model("orders", "Order")
    Contact = apps.get_model("crm", "Contact")
    by_phone: dict[tuple[Any, str], Any] = {}
    by_email: dict[tuple[Any, str], Any] = {}
    dirty: dict[Any, Any] = {}
    orders = (
        Order.objects.filter(contact__isnull=True)
        .order_by("created_at", "id")
        .only(
            "id",
            "partner_id",
            "customer_name",
            "customer_phone",
            "customer_email",
            "customer_telegram",
            "customer_whatsapp",
        )
    )
    links: list[Any] = []
    for order in orders.iterator(chunk_size=BATCH):
        given = {
            "name": order.customer_name.strip()[:200],
            "phone": order.customer_phone.strip(),
            "email": order.customer_email.strip().lower(),
            "telegram": order.customer_telegram.strip(),
            "whatsapp": order.customer_whatsapp.strip(),
        }
        partner = order.partner_id
        contact = None
        if given["phone"]:
            contact = by_phone.get((partner, given["phone"]))
        if contact is None and given["email"]:
            contact = by_email.get((partner, given["email"]))
        if contact is None:
            contact = Contact(partner_id=partner, **given)
            contact.save()
        else:
            for field in FIELDS:
                value = given[field]
                if not value or getattr(contact, field):
                    continue
                taken = {"phone": by_phone, "email": by_email}.get(field)
                if taken is not None and (partner, value) in taken:
                    continue
                setattr(contact, field, value)
                dirty[contact.pk] = contact
        if contact.phone:
            by_phone.setdefault((partner, contact.phone), contact)
        if contact.email:
            by_email.setdefault((partner, contact.email), contact)
        order.contact_id = contact.pk
        links.append(order)
        if len(links) >= BATCH:
            Order.objects.bulk_update(links, ["contact"])
            links = []
    if links:
        Order.objects.bulk_update(links, ["contact"])
    now = timezone.now()
    for contact in dirty.values():
        contact.updated_at = now
    Contact.objects.bulk_update(list(dirty.values()), [*FIELDS, "updated_at"], batch_size=BATCH)


def link_deals(apps: Any, schema_editor: Any) -> None:
    """A deal's contact is its order's."""
    Deal = apps.get_model("crm", "Deal")
    Order = apps.get_model("orders", "Order")
    Deal.objects.filter(contact__isnull=True, order__isnull=False).update(
        contact_id=Subquery(Order.objects.filter(pk=OuterRef("order_id")).values("contact_id")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0006_order_contact"),
        ("crm", "0006_contacts"),
    ]

    operations = [
        migrations.RunPython(link, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(link_deals, migrations.RunPython.noop, elidable=True),
    ]
