"""Shared pieces of the models: choices used across modules and small helpers."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _, pgettext_lazy


def public_id_field():
    """Identifiers that appear in family-facing URLs: random, never guessable."""
    return models.UUIDField(default=uuid.uuid4, unique=True, editable=False, verbose_name=_("public id"))


def choices_check(field: str, choices, name: str, *, allow_blank: bool = False):
    values = [value for value, _label in choices]
    condition = models.Q(**{f"{field}__in": values})
    if allow_blank:
        condition |= models.Q(**{field: ""})
    return models.CheckConstraint(condition=condition, name=name)


class Timestamped(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class Weekday(models.IntegerChoices):
    MONDAY = 0, pgettext_lazy("weekday", "Monday")
    TUESDAY = 1, pgettext_lazy("weekday", "Tuesday")
    WEDNESDAY = 2, pgettext_lazy("weekday", "Wednesday")
    THURSDAY = 3, pgettext_lazy("weekday", "Thursday")
    FRIDAY = 4, pgettext_lazy("weekday", "Friday")
    SATURDAY = 5, pgettext_lazy("weekday", "Saturday")
