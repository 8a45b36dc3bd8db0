"""After the allocation: publishing a round's results, promotions from the waitlist, and KoKoA
session runs for capacity-limited sessions.

Second and monthly rounds need no service of their own: a run of such a round goes through
``runs.allocation_run_start`` like the first, and ``allocation_bridge`` ranks the round's new
applications together with every child still waiting from an earlier round of the year, over the
places left (withdrawals and declined offers free them).
"""

import datetime
import random

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enrollment.models import Application, Club, KokoaSession, KokoaSessionRequest, Offer, Round
from enrollment.services import ServiceError
from enrollment.services.applications import _require_staff_write
from enrollment.services.audit import audit_record
from enrollment.services.offers import waitlist_promote

MSG_NOT_DECIDED = _("Results can be published only for a round whose run has been committed.")
MSG_ALREADY_PUBLISHED = _("The results of this round have already been published.")
MSG_NO_CAPACITY = _("This session has no capacity limit: every registered child may attend.")


@transaction.atomic
def round_publish(*, round_: Round, actor, publish_at: datetime.datetime, now=None) -> Round:
    """Set the moment families see the results. The round counts as published from then on;
    a moment in the past or now publishes at once."""
    _require_staff_write(actor)
    now = now or timezone.now()
    round_ = Round.objects.select_for_update().get(pk=round_.pk)
    if round_.status == Round.Status.PUBLISHED:
        raise ServiceError(MSG_ALREADY_PUBLISHED, code="published")
    if round_.status != Round.Status.COMMITTED:
        raise ServiceError(MSG_NOT_DECIDED, code="not_decided")
    round_.publish_at = publish_at
    if publish_at <= now:
        round_.status = Round.Status.PUBLISHED
    round_.save(update_fields=["publish_at", "status", "updated_at"])
    audit_record(actor=actor, action="round.publish", obj=round_,
                 related={"publish_at": publish_at.isoformat()})
    return round_


def rounds_publish_due(*, now=None) -> int:
    """Mark committed rounds whose publication moment has come as published (idempotent)."""
    now = now or timezone.now()
    return Round.objects.filter(status=Round.Status.COMMITTED, publish_at__isnull=False,
                                publish_at__lte=now).update(status=Round.Status.PUBLISHED, updated_at=now)


def waitlist_promote_all(*, actor, on: datetime.date, respond_by: datetime.date, clubs=None) -> list[Offer]:
    """繰り上げ for every freed place: each club offers places to its waiting children in
    waitlist order until it is full or nobody waits (``offers.waitlist_promote`` does one)."""
    _require_staff_write(actor)
    offers = []
    for club in clubs if clubs is not None else Club.objects.filter(is_active=True).order_by("code"):
        while True:
            offer = waitlist_promote(club=club, actor=actor, on=on, respond_by=respond_by)
            if offer is None:
                break
            offers.append(offer)
    return offers


def kokoa_session_order(requests: list[tuple[int, bool]], *, seed: int) -> list[int]:
    """The order in which requests for a capacity-limited session are granted (pure).

    ``requests`` are (request id, child waits for a club place). Children waiting for a club come
    first, as KoKoA is their after-school place of safety (DOMAIN.md); within each group the
    lottery decides: ids sorted, then shuffled by ``random.Random(seed)``, so anyone can replay it."""
    lottery = sorted(request_id for request_id, _waiting in requests)
    random.Random(seed).shuffle(lottery)
    position = {request_id: n for n, request_id in enumerate(lottery)}
    waiting = dict(requests)
    return sorted(waiting, key=lambda rid: (not waiting[rid], position[rid]))


@transaction.atomic
def kokoa_session_allocate(*, session: KokoaSession, actor, seed: int | None = None) -> dict:
    """Grant the places of a capacity-limited session: requests not yet decided are ranked by
    ``kokoa_session_order`` into the places that earlier grants left; the rest are not granted."""
    _require_staff_write(actor)
    session = KokoaSession.objects.select_for_update(of=("self",)).select_related("programme__fiscal_year").get(pk=session.pk)
    if session.capacity is None:
        raise ServiceError(MSG_NO_CAPACITY, code="no_capacity")
    seed = seed if seed is not None else random.SystemRandom().randrange(1, 2**31)
    granted_before = session.requests.filter(status=KokoaSessionRequest.Status.GRANTED).count()
    pending = list(session.requests.filter(status=KokoaSessionRequest.Status.REQUESTED)
                   .select_related("registration"))
    waiting_children = set(Application.objects.filter(
        round__fiscal_year=session.programme.fiscal_year, status=Application.Status.WAITLISTED,
        child_id__in=[r.registration.child_id for r in pending]).values_list("child_id", flat=True))
    order = kokoa_session_order([(r.pk, r.registration.child_id in waiting_children) for r in pending], seed=seed)
    free = max(0, session.capacity - granted_before)
    granted, not_granted = order[:free], order[free:]
    KokoaSessionRequest.objects.filter(pk__in=granted).update(status=KokoaSessionRequest.Status.GRANTED)
    KokoaSessionRequest.objects.filter(pk__in=not_granted).update(status=KokoaSessionRequest.Status.NOT_GRANTED)
    audit_record(actor=actor, action="kokoa.session_allocate", obj=session,
                 related={"seed": seed, "granted": len(granted), "not_granted": len(not_granted)})
    return {"seed": seed, "granted": granted, "not_granted": not_granted}
