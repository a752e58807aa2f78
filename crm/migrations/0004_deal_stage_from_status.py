"""Put every deal opened before the pipeline existed on a stage of its partner's default
funnel: won and lost deals on the won / lost stage, open and withdrawn ones on the first."""

from django.conf import settings
from django.db import migrations
from django.utils import translation
from django.utils.translation import gettext

DEFAULT_STAGES = [
    ("New", "open"),
    ("Contact made", "open"),
    ("Presentation", "open"),
    ("Awaiting payment", "open"),
    ("Won", "won"),
    ("Lost", "lost"),
]


def forwards(apps, schema_editor):
    Deal = apps.get_model("crm", "Deal")
    Stage = apps.get_model("crm", "Stage")
    partner_ids = Deal.objects.filter(stage__isnull=True).values_list("partner_id", flat=True)
    with translation.override(settings.LANGUAGE_CODE):
        for partner_id in sorted(set(partner_ids)):
            if not Stage.objects.filter(partner_id=partner_id).exists():
                Stage.objects.bulk_create(
                    Stage(
                        partner_id=partner_id,
                        name=gettext(name),
                        position=i,
                        kind=kind,
                    )
                    for i, (name, kind) in enumerate(DEFAULT_STAGES)
                )
            stages = Stage.objects.filter(partner_id=partner_id).order_by("position")
            first = next(s for s in stages if s.kind == "open")
            by_kind = {s.kind: s for s in stages if s.kind != "open"}
            deals = Deal.objects.filter(partner_id=partner_id, stage__isnull=True)
            deals.filter(status="won").update(stage=by_kind["won"])
            deals.filter(status="lost").update(stage=by_kind["lost"])
            deals.filter(status__in=["open", "withdrawn"]).update(stage=first)


class Migration(migrations.Migration):
    dependencies = [("crm", "0003_deal_pipeline_stages")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
