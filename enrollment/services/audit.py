"""Audit trail. Entries carry ids only, never names, addresses, points or notes."""

from django.db import transaction

from enrollment.models import AuditEvent


def _actor_fields(actor) -> dict:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {"actor_id": None, "actor_role": "system" if actor is None else "anonymous"}
    return {"actor_id": actor.pk, "actor_role": actor.role}


def audit_record(*, actor, action: str, obj=None, object_type: str = "", object_id="", related=None,
                 on_commit: bool = True) -> None:
    """Record ``action`` on ``obj``. Writes are audited after the transaction commits, so a rolled
    back change leaves no trace that claims it happened; reads pass ``on_commit=False``."""
    fields = dict(
        _actor_fields(actor),
        action=action,
        object_type=object_type or (obj._meta.model_name if obj is not None else ""),
        object_id=str(object_id or (obj.pk if obj is not None else "")),
        related={key: (str(value) if value is not None else None) for key, value in (related or {}).items()},
    )
    if on_commit:
        transaction.on_commit(lambda: AuditEvent.objects.create(**fields))
    else:
        AuditEvent.objects.create(**fields)


def audit_read(*, actor, obj, action: str = "read") -> None:
    """Every read of a child's record by staff or operators is logged, without the data itself."""
    if actor is not None and getattr(actor, "role", None) in ("staff", "operator"):
        audit_record(actor=actor, action=action, obj=obj, on_commit=False)
