"""Audit trail: who did or read what, by ids only (never personal data), append-only."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    # Plain ids, not foreign keys: the trail outlives the rows it speaks of.
    actor_id = models.BigIntegerField(_("user id"), null=True, blank=True)
    actor_role = models.CharField(_("role"), max_length=10, blank=True)
    action = models.CharField(_("action"), max_length=60)
    object_type = models.CharField(_("object type"), max_length=40)
    object_id = models.CharField(_("object id"), max_length=64)
    related = models.JSONField(_("related ids"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_id}"


class LoginAttempt(models.Model):
    """Failed and successful sign-ins, for throttling per account and per address."""

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    username = models.CharField(_("account"), max_length=254, db_index=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True, db_index=True)
    succeeded = models.BooleanField(_("succeeded"), default=False)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("sign-in attempt")
        verbose_name_plural = _("sign-in attempts")


class RosterVisit(models.Model):
    """When an operator's user last looked at a club's roster: the base of "what changed since"."""

    user_id = models.BigIntegerField(_("user id"))
    club_id = models.BigIntegerField(_("club id"))
    seen_at = models.DateTimeField(_("seen at"))

    class Meta:
        verbose_name = _("roster visit")
        verbose_name_plural = _("roster visits")
        constraints = [models.UniqueConstraint(fields=["user_id", "club_id"], name="rostervisit_unique")]
