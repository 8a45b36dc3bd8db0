"""Pages for the city's school-affairs staff. Read-only staff see every page and change nothing.

The dashboard answers "where are we?": the round's status and runs, applications by status,
what needs doing, and demand against capacity per club and per district as charts (with the
same figures as tables)."""

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from enrollment.charts import Bar, bar_chart
from enrollment.models import Round
from enrollment.permissions import staff_required
from enrollment.selectors import statistics as stats
from enrollment.selectors.runs import runs_for_round
from enrollment.services.rounds import rounds_publish_due


def _demand_chart(rows, title):
    bars = [Bar(d.label, d.first_choice, d.intake_cap, f"{d.first_choice} / {d.intake_cap}") for d in rows]
    return bar_chart(bars, title=title, description=_(
        "For each, the children who chose it first against its intake cap (the dashed line). A bar "
        "past the line means more first choices than places. The same figures are in the table below."))


@staff_required
@require_GET
def staff_dashboard(request):
    rounds_publish_due()
    round_ = None
    if request.GET.get("round", "").isdigit():
        round_ = Round.objects.select_related("fiscal_year").filter(pk=int(request.GET["round"])).first()
    round_ = round_ or stats.current_round()
    context = {"round": round_}
    if round_ is not None:
        clubs = stats.demand_by_club(round_)
        districts = stats.demand_by_district(round_, clubs)
        context.update(
            rounds=Round.objects.filter(fiscal_year=round_.fiscal_year).order_by("opens_at"),
            clubs=clubs, districts=districts, status_counts=stats.status_counts(round_),
            runs=list(runs_for_round(round_)[:5]), todo=stats.to_do(round_),
            club_chart=_demand_chart(clubs, _("First-choice demand against the intake cap, per club")) if clubs else "",
            district_chart=_demand_chart(districts, _("First-choice demand against the intake cap, per district"))
            if districts else "")
    return render(request, "staff/dashboard.html", context)
