"""Abstract bases shared by the apps."""

import uuid

from django.db import models


class UUIDModel(models.Model):
    """Public ids are UUIDs: they do not leak volumes or invite enumeration."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    class Meta:
        abstract = True


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
