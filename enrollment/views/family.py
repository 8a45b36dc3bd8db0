"""Pages for families: everything here shows only the signed-in family's own household.

The home page lists the household's applications with what to do next; each application has a
status page (by ``public_id``) with its history, the result and its explanation once published,
and the actions that fit its state, each behind a confirmation step.
"""

import datetime

from django.contrib import messages
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from enrollment.allocation_bridge import child_key
from enrollment.forms.application import ConfirmActionForm, LeaveForm
from enrollment.models import AllocationRun, Application, Club, Enrollment, Letter, Offer, Round, WaitlistEntry
from enrollment.permissions import family_required
from enrollment.services import ServiceError
from enrollment.services import family_applications as family_services
from enrollment.services.applications import application_withdraw
from enrollment.services.offers import enrollment_withdraw, offer_accept, offer_decline

S = Application.Status
OUTCOME_STATUSES = (S.OFFERED, S.WAITLISTED, S.REFUSED, S.DECIDED, S.DECLINED)
WITHDRAWABLE = (S.DRAFT, S.SUBMITTED, S.ACCEPTED, S.RETURNED, S.WAITLISTED)


def _posted(request):
    """The POST data, even when empty (an empty form is still a submitted one)."""
    return request.POST if request.method == "POST" else None


# --- fetch for this user ------------------------------------------------------------------------

def _household(request):
    household = request.user.household
    if household is None:
        raise Http404()
    return household


def _application_for_user(request, public_id) -> Application:
    application = (Application.objects.select_related("child__school", "round__fiscal_year", "sibling_group")
                   .filter(public_id=public_id, child__household=_household(request)).first())
    if application is None:
        raise Http404()
    return application


def results_published(round_: Round, now) -> bool:
    # Committing a run decides; families see the results only once staff publish them (a date
    # that has come, or the round marked published), never merely because no date was set.
    return round_.status == Round.Status.PUBLISHED or (round_.publish_at is not None and round_.publish_at <= now)


def _family_status(application, now):
    """Before the publication date the family sees "in screening", not the decided outcome."""
    if application.status in OUTCOME_STATUSES and not results_published(application.round, now):
        return S.ACCEPTED, S(S.ACCEPTED).label
    return application.status, application.get_status_display()


def _next_step(application, status, now) -> str:
    if status == S.DRAFT:
        return _("Finish the application and submit it.")
    if status == S.RETURNED:
        return _("Correct the application as the city asks, then submit it again.")
    if status in (S.SUBMITTED, S.ACCEPTED):
        if application.round.publish_at and application.round.publish_at > now:
            return _("Results will be published on %(date)s.") % {
                "date": _date(timezone.localtime(application.round.publish_at).date())}
        return _("The city is screening the application. You will be told the result.")
    if status == S.OFFERED:
        return _("Answer the offer of a place by its deadline.")
    if status == S.WAITLISTED:
        return _("You are on the waiting list. We will tell you if a place becomes free.")
    return ""


def _date(day: datetime.date) -> str:
    from django.utils import formats

    return formats.date_format(day, "DATE_FORMAT")


# --- home ---------------------------------------------------------------------------------------

@family_required
def family_home(request):
    household = request.user.household
    now = timezone.now()
    applications = []
    if household is not None:
        for application in (Application.objects.filter(child__household=household)
                             .select_related("child", "round__fiscal_year").order_by("-round__opens_at", "child__birth_date")):
            status, label = _family_status(application, now)
            applications.append({"application": application, "status": status, "status_label": label,
                                 "next_step": _next_step(application, status, now)})
    open_rounds = [r for r in Round.objects.filter(status=Round.Status.OPEN, opens_at__lte=now, closes_at__gt=now)
                   .select_related("fiscal_year").order_by("opens_at")]
    letters = list(Letter.objects.filter(household=household, status=Letter.Status.ISSUED)
                   .select_related("application__child").order_by("-issued_at")) if household else []
    return render(request, "family/home.html", {
        "household": household, "applications": applications, "open_rounds": open_rounds, "letters": letters,
        "has_children": household is not None and household.children.exists(),
    })


# --- one application ----------------------------------------------------------------------------

def _explanation(application):
    """The committed run's explanation for this child, as readable sentences per club."""
    run = AllocationRun.objects.filter(round=application.round, status=AllocationRun.Status.COMMITTED).first()
    if run is None or not run.result:
        return None
    explanation = (run.result.get("explanations") or {}).get(child_key(application))
    if not explanation:
        return None
    codes = {explanation.get("outcome")} | {entry.get("club") for entry in explanation.get("refused", [])}
    names = dict(Club.objects.filter(code__in=[c for c in codes if c]).values_list("code", "name"))
    lines = [_why_not_text(entry, names.get(entry.get("club"), entry.get("club"))) for entry in
             explanation.get("refused", [])]
    outcome = explanation.get("outcome")
    rank = len(explanation.get("refused", [])) + 1
    summary = (_("A place at %(club)s, your choice number %(rank)s.") % {"club": names.get(outcome, outcome), "rank": rank}
               if outcome else _("No place at any of the clubs you chose."))
    return {"summary": summary, "lines": lines}


def _points_of(values):
    # A priority is (−group, −outside district, points, tie-breaks…), as the engine publishes it.
    return str(values[2]) if isinstance(values, list) and len(values) > 2 else ""


def _why_not_text(entry, club) -> str:
    reason = entry.get("reason")
    yours, cutoff = entry.get("yours") or [], entry.get("cutoff") or []
    if reason == "full" and cutoff and yours:
        if cutoff[0] != yours[0]:
            return _("%(club)s was filled by children of a higher priority group (grades 1 to 3 and children "
                     "needing support come first).") % {"club": club}
        if len(cutoff) > 1 and cutoff[1] != yours[1]:
            return _("%(club)s was filled by children from its own school district, who come first there.") % {
                "club": club}
        if _points_of(cutoff) != _points_of(yours):
            return _("%(club)s was filled by children with %(cutoff)s points or more; yours: %(yours)s.") % {
                "club": club, "cutoff": _points_of(cutoff), "yours": _points_of(yours)}
        return _("%(club)s was filled by children with the same points (%(yours)s) who came first in the "
                 "tie-break order (lower grade, support needs, single-parent household, working days, "
                 "income tax).") % {"club": club, "yours": _points_of(yours)}
    if reason == "tie":
        return _("%(club)s was full. The last children admitted had the same priority as yours (%(yours)s "
                 "points); among them, the city's tie rule and then the lottery decided.") % {
            "club": club, "yours": _points_of(yours)}
    if reason == "support_full":
        return _("%(club)s has no room left for children needing support (%(limit)s places).") % {
            "club": club, "limit": entry.get("limit", "")}
    if reason == "grade_band_full":
        return _("%(club)s has no room left for grades %(band)s (%(limit)s places).") % {
            "club": club, "band": entry.get("band", ""), "limit": entry.get("limit", "")}
    if reason == "sibling_unit":
        return _("%(club)s could not take all the siblings together, and you asked for the same club or "
                 "none.") % {"club": club}
    if reason == "unit_holds_place":
        return _("%(club)s holds a child with a lower priority than yours, placed there with their siblings "
                 "(who asked for the same club or none). No allocation honours every sibling request and "
                 "every priority; the one chosen leaves the fewest children in this situation.") % {"club": club}
    if reason == "unit_unavoidable":
        return _("%(club)s could have taken all the siblings together, but no allocation honours every "
                 "sibling request and every priority; the one chosen leaves the fewest children in this "
                 "situation.") % {"club": club}
    if reason == "unavoidable":
        return _("%(club)s could have taken your child, but no allocation honours every sibling request "
                 "and every priority; the one chosen leaves the fewest children in this situation.") % {
            "club": club}
    return _("%(club)s was full.") % {"club": club}


def _detail_context(request, application, **extra):
    now = timezone.now()
    status, label = _family_status(application, now)
    published = results_published(application.round, now)
    offer = application.offers.filter(status__in=[Offer.Status.OPEN, Offer.Status.ACCEPTED]).select_related(
        "club").first() if published else None
    waitlist = []
    if published and application.status == S.WAITLISTED and application.round.publishes_waitlist_position:
        waitlist = list(WaitlistEntry.objects.filter(application=application, active=True)
                        .select_related("club").order_by("position"))
    events = list(application.events.filter(visible_to_family=True).order_by("at", "pk"))
    if not published:
        events = [e for e in events if e.to_status not in OUTCOME_STATUSES]
    for event in events:
        event.to_label = S(event.to_status).label if event.to_status in S.values else event.to_status
    enrollment = (Enrollment.objects.filter(application=application).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=timezone.localdate())).select_related("club").first())
    monthly_open = Round.objects.filter(fiscal_year=application.round.fiscal_year, kind=Round.Kind.MONTHLY,
                                        status=Round.Status.OPEN, opens_at__lte=now,
                                        closes_at__gt=now).exclude(pk=application.round_id).exists()
    return {
        "application": application, "child": application.child, "status": status, "status_label": label,
        "next_step": _next_step(application, status, now), "published": published,
        "publish_at": application.round.publish_at,
        "choices": list(application.choices.select_related("club__school").order_by("rank")),
        "events": events, "offer": offer, "waitlist": waitlist,
        "explanation": _explanation(application) if published and status in OUTCOME_STATUSES else None,
        "problems": [p.get("message", "") for p in application.eligibility_problems]
        if published and status == S.REFUSED else [],
        "documents": list(application.documents.all()),
        "letters": list(application.letters.filter(status=Letter.Status.ISSUED).order_by("-issued_at")),
        "enrollment": enrollment, "can_withdraw": application.status in WITHDRAWABLE,
        "can_change": monthly_open and status in (S.WAITLISTED, S.DECIDED),
        "can_answer": offer is not None and offer.status == Offer.Status.OPEN and status == S.OFFERED,
        **extra,
    }


@family_required
@require_GET
def application_detail(request, public_id):
    application = _application_for_user(request, public_id)
    return render(request, "family/applications/detail.html", _detail_context(request, application))


def _confirm_page(request, application, *, form, action, title, question, button, status=200, danger=True):
    return render(request, "family/applications/confirm.html", {
        "application": application, "child": application.child, "form": form, "action": action,
        "title": title, "question": question, "button": button, "danger": danger}, status=status)


@family_required
@require_http_methods(["GET", "POST"])
def application_withdraw_view(request, public_id):
    application = _application_for_user(request, public_id)
    if application.status not in WITHDRAWABLE:
        raise Http404()
    form = ConfirmActionForm(_posted(request), with_reason=True,
                             agree_label=_("I withdraw this application. I understand this cannot be undone."))
    if request.method == "POST" and form.is_valid():
        try:
            application_withdraw(application=application, actor=request.user, reason=form.cleaned_data["reason"])
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The application is withdrawn."))
            return redirect("family_application", application.public_id)
    return _confirm_page(request, application, form=form, action="family_application_withdraw",
                         title=_("Withdraw the application"),
                         question=_("Do you want to withdraw the application for %(name)s?") % {
                             "name": application.child.full_name},
                         button=_("Withdraw the application"), status=400 if form.errors else 200)


def _open_offer_for(application):
    if not results_published(application.round, timezone.now()):
        raise Http404()
    offer = application.offers.filter(status=Offer.Status.OPEN).select_related("club").first()
    if offer is None:
        raise Http404()
    return offer


@family_required
@require_http_methods(["GET", "POST"])
def offer_accept_view(request, public_id):
    application = _application_for_user(request, public_id)
    offer = _open_offer_for(application)
    form = ConfirmActionForm(_posted(request), agree_label=_("I accept the place at %(club)s.") % {
        "club": offer.club.name})
    if request.method == "POST" and form.is_valid():
        try:
            offer_accept(application=application, actor=request.user)
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("You have accepted the place. The city will send the decision letter."))
            return redirect("family_application", application.public_id)
    return _confirm_page(request, application, form=form, action="family_offer_accept",
                         title=_("Accept the place"),
                         question=_("Accept the place for %(name)s at %(club)s, from %(start)s?") % {
                             "name": application.child.full_name, "club": offer.club.name,
                             "start": _date(max(application.requested_start, application.round.start_month))},
                         button=_("Accept the place"), status=400 if form.errors else 200, danger=False)


@family_required
@require_http_methods(["GET", "POST"])
def offer_decline_view(request, public_id):
    application = _application_for_user(request, public_id)
    offer = _open_offer_for(application)
    form = ConfirmActionForm(_posted(request), agree_label=_(
        "I decline the place at %(club)s. I understand the place goes to another child.") % {"club": offer.club.name})
    if request.method == "POST" and form.is_valid():
        try:
            offer_decline(application=application, actor=request.user)
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("You have declined the place."))
            return redirect("family_application", application.public_id)
    return _confirm_page(request, application, form=form, action="family_offer_decline",
                         title=_("Decline the place"),
                         question=_("Decline the place for %(name)s at %(club)s?") % {
                             "name": application.child.full_name, "club": offer.club.name},
                         button=_("Decline the place"), status=400 if form.errors else 200)


@family_required
@require_http_methods(["GET", "POST"])
def enrollment_withdraw_view(request, public_id):
    """退所届: notice of leaving the club, with the last day."""
    application = _application_for_user(request, public_id)
    enrollment = (Enrollment.objects.filter(application=application).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=timezone.localdate())).select_related("club").first())
    if enrollment is None:
        raise Http404()
    form = LeaveForm(_posted(request), agree_label=_("I give notice that the child leaves %(club)s.") % {
        "club": enrollment.club.name})
    if request.method == "POST" and form.is_valid():
        try:
            enrollment_withdraw(enrollment=enrollment, actor=request.user, leave_date=form.cleaned_data["leave_date"],
                                reason=form.cleaned_data["reason"])
        except ServiceError as error:
            form.add_error("leave_date", error.message)
        else:
            messages.success(request, _("Your notice of leaving is received."))
            return redirect("family_application", application.public_id)
    return _confirm_page(request, application, form=form, action="family_enrollment_withdraw",
                         title=_("Notice of leaving the club"),
                         question=_("%(name)s leaves %(club)s. Enter the last day at the club.") % {
                             "name": application.child.full_name, "club": enrollment.club.name},
                         button=_("Give notice of leaving"), status=400 if form.errors else 200)


@family_required
@require_POST
def application_change_view(request, public_id):
    application = _application_for_user(request, public_id)
    try:
        draft = family_services.application_change_choices(actor=request.user, application=application)
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("family_application", application.public_id)
    messages.info(request, _("A new application for the monthly round is started with your clubs. Change them "
                             "and submit it."))
    return redirect("family_apply_choices", draft.round_id)


# --- letters ------------------------------------------------------------------------------------

@family_required
@require_GET
def letter_download(request, public_id):
    letter = Letter.objects.filter(public_id=public_id, household=_household(request),
                                   status=Letter.Status.ISSUED).first()
    if letter is None or not letter.file:
        raise Http404()
    try:
        handle = letter.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404()
    response = FileResponse(handle, content_type="application/pdf", as_attachment=True,
                            filename=f"{letter.document_number or letter.public_id}.pdf")
    response["Cache-Control"] = "private, no-store"
    return response
