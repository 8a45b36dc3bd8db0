"""Forms of the allocation-run and statistics pages."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from enrollment.models import AllocationRun, Club

RATIO_PREFIX = "ratio_"


class RunStartForm(forms.Form):
    ties = forms.ChoiceField(label=_("Equal points"), choices=AllocationRun.Ties.choices,
                             initial=AllocationRun.Ties.MAXIMIZE_PLACED, widget=forms.RadioSelect,
                             help_text=_("The rule set's tie policy is the usual choice. Either way the run "
                                         "compares itself with the lottery-first policy."))
    seed = forms.IntegerField(label=_("Lottery seed"), required=False, min_value=1, max_value=2**31 - 1,
                              help_text=_("Leave empty for a new random draw. The same seed replays the same draw."))
    note = forms.CharField(label=_("Note"), required=False, max_length=200,
                           help_text=_("What this run tries, for example “elastic intake 1.15 at the central clubs”."))

    def __init__(self, *args, clubs=None, ruleset_ties: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if ruleset_ties in AllocationRun.Ties.values:
            self.fields["ties"].initial = ruleset_ties
        self.clubs = list(clubs if clubs is not None else Club.objects.filter(is_active=True).order_by("code"))
        for club in self.clubs:
            self.fields[RATIO_PREFIX + club.code] = forms.DecimalField(
                label=format_lazy(_("Elastic intake ratio at {club}"), club=club.name),
                min_value=Decimal("1.00"), max_value=Decimal("1.20"), decimal_places=2, max_digits=3, required=False,
                initial=club.elastic_ratio, widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
                help_text=format_lazy(_("定員 {capacity}; between 1.00 and 1.20."), capacity=club.capacity))

    def ratio_fields(self):
        return [self[RATIO_PREFIX + club.code] for club in self.clubs]

    def elastic_ratios(self) -> dict[str, str]:
        """Only the ratios staff changed from the club's own setting: the run records its choices."""
        changed = {}
        for club in self.clubs:
            value = self.cleaned_data.get(RATIO_PREFIX + club.code)
            if value is not None and value != club.elastic_ratio:
                changed[club.code] = str(value)
        return changed


class RunCompareForm(forms.Form):
    KIND_CHOICES = [("", _("Every change")), ("gains", _("Gains a place")), ("loses", _("Loses a place")),
                    ("moves", _("Moves to another club"))]

    a = forms.ModelChoiceField(label=_("Run"), queryset=AllocationRun.objects.none())
    b = forms.ModelChoiceField(label=_("Compared with run"), queryset=AllocationRun.objects.none())
    kind = forms.ChoiceField(label=_("Show"), choices=KIND_CHOICES, required=False)

    def __init__(self, *args, runs=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("a", "b"):
            self.fields[name].queryset = runs
            self.fields[name].label_from_instance = run_label

    def clean(self):
        data = super().clean()
        if data.get("a") and data.get("a") == data.get("b"):
            self.add_error("b", _("Choose two different runs."))
        return data


def run_label(run: AllocationRun) -> str:
    when = timezone.localtime(run.created_at).strftime("%Y-%m-%d %H:%M")
    return f"#{run.pk} {when} {run.get_ties_display()} ({run.get_status_display()})"


class RunCommitForm(forms.Form):
    confirm = forms.BooleanField(label=_("I have checked the results and want to commit this run."), required=True,
                                 error_messages={"required": _("Tick the box to confirm the commit.")})


class PublishForm(forms.Form):
    publish_on = forms.DateField(label=_("Publish on"), widget=forms.DateInput(attrs={"type": "date"}),
                                 help_text=_("Families see their results from 9:00 on this day."))

    def publish_at(self) -> datetime.datetime:
        day = self.cleaned_data["publish_on"]
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 0)))


class KokoaProgrammeAllocateForm(forms.Form):
    """The sessions of one KoKoA programme to allocate together, and the lottery seed.

    The choices are every session of the programme, so an id from elsewhere is refused here
    and a session without a capacity limit is refused by the service, each with its message."""

    sessions = forms.TypedMultipleChoiceField(
        label=_("Sessions to allocate"), coerce=int, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one session to allocate."),
                        "invalid_choice": _("Choose only sessions of this KoKoA programme.")})
    seed = forms.IntegerField(label=_("Lottery seed"), required=False, min_value=1, max_value=2**31 - 1,
                              help_text=_("Leave empty for a new random draw. The seed is recorded with the "
                                          "allocation."))

    def __init__(self, *args, sessions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sessions"].choices = [(s.pk, s.title) for s in sessions]


class ExportForm(forms.Form):
    FORMAT_CHOICES = [("xlsx", _("Excel workbook (every table)")), ("csv", _("CSV (one table)"))]
    TABLE_CHOICES = [
        ("applications", _("Applications with points")),
        ("results", _("Results")),
        ("rosters", _("Rosters")),
        ("waiting", _("Waiting children")),
        ("survey", _("1 May survey")),
        ("planning", _("Capacity planning")),
    ]
    table = forms.ChoiceField(label=_("Table"), choices=TABLE_CHOICES, required=False)
    on = forms.DateField(label=_("Rosters on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
