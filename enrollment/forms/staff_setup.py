"""Forms of the set-up pages. Field rules come from the models; the services save."""

from __future__ import annotations

import json
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from enrollment.models import (
    Club,
    FiscalYear,
    KokoaProgramme,
    KokoaSession,
    Operator,
    Round,
    School,
    SchoolDistrict,
)

from .staff_applications import normalise_text


class _CleanText:
    """Refuse NUL and control characters in every text field (PostgreSQL cannot store NUL)."""

    def clean(self):
        data = super().clean()
        for name, value in list(data.items()):
            if isinstance(value, str):
                try:
                    data[name] = normalise_text(value, multiline=True)
                except ValidationError as error:
                    self.add_error(name, error)
        return data


class FiscalYearForm(_CleanText, forms.Form):
    year = forms.IntegerField(label=_("Fiscal year (western calendar, the year it starts)"), min_value=2000,
                              max_value=2200, help_text=_("For example 2027 for the year from 1 April 2027."))
    retention_years = forms.IntegerField(label=_("Keep records for (years after the year ends)"), min_value=1,
                                         max_value=30, initial=5)

    def clean_year(self):
        year = self.cleaned_data["year"]
        if FiscalYear.objects.filter(year=year).exists():
            raise ValidationError(_("Fiscal year %(year)s already exists.") % {"year": year})
        return year


class RuleSetEditForm(forms.Form):
    data = forms.CharField(label=_("Rules (JSON)"), widget=forms.Textarea(attrs={"class": "json-editor",
                                                                               "spellcheck": "false"}),
                           help_text=_("The format is described in docs/rules-format.md. Every key is checked; "
                                       "nothing is saved while any key is wrong."), max_length=100_000)
    note = forms.CharField(label=_("What changed, and why"), max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def clean_data(self):
        text = self.cleaned_data["data"]
        if "\x00" in text:
            raise ValidationError(_("The text contains a NUL character."))
        try:
            value = json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError as error:
            raise ValidationError(_("This is not valid JSON: %(message)s (line %(line)s, column %(column)s).")
                                  % {"message": error.msg, "line": error.lineno, "column": error.colno})
        if not isinstance(value, dict):
            raise ValidationError(_("The rules must be one JSON object."))
        return value

    def clean_note(self):
        return normalise_text(self.cleaned_data["note"], multiline=True)


class DistrictForm(_CleanText, forms.ModelForm):
    class Meta:
        model = SchoolDistrict
        fields = ["code", "name"]


class SchoolForm(_CleanText, forms.ModelForm):
    class Meta:
        model = School
        fields = ["code", "name", "name_kana", "district", "postal_code", "address"]


class OperatorForm(_CleanText, forms.ModelForm):
    class Meta:
        model = Operator
        fields = ["code", "name", "kind", "phone", "email"]


class ClubForm(_CleanText, forms.ModelForm):
    elastic_ratio = forms.DecimalField(label=_("Elastic intake ratio"), min_value=Decimal("1.00"),
                                       max_value=Decimal("1.20"), max_digits=3, decimal_places=2,
                                       initial=Decimal("1.10"),
                                       help_text=_("Between 1.00 and 1.20. The intake cap is 定員 × this ratio, "
                                                   "rounded down."))

    class Meta:
        model = Club
        fields = ["code", "name", "name_kana", "kind", "school", "operator", "postal_code", "address", "phone",
                  "floor_area_m2", "care_units", "elastic_ratio", "support_limit", "grade_min", "grade_max",
                  "monthly_fee", "is_active"]
        help_texts = {
            "floor_area_m2": _("Dedicated floor area only; 定員 allows one child per 1.65 m²."),
            "care_units": _("Groups of about 40 children with two certified workers each."),
        }


class GradeLimitForm(forms.Form):
    grade_lo = forms.IntegerField(label=_("From grade"), min_value=1, max_value=6, required=False)
    grade_hi = forms.IntegerField(label=_("To grade"), min_value=1, max_value=6, required=False)
    limit = forms.IntegerField(label=_("Most children"), min_value=0, max_value=500, required=False)

    def clean(self):
        data = super().clean()
        given = [data.get(k) for k in ("grade_lo", "grade_hi", "limit")]
        if any(v is not None for v in given) and any(v is None for v in given):
            raise ValidationError(_("Fill in all three values of the band, or none."))
        return data

    def band(self):
        data = self.cleaned_data
        if data.get("grade_lo") is None:
            return None
        return (data["grade_lo"], data["grade_hi"], data["limit"])


GradeLimitFormSet = forms.formset_factory(GradeLimitForm, extra=2, max_num=6, absolute_max=6)

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RoundForm(_CleanText, forms.ModelForm):
    class Meta:
        model = Round
        fields = ["kind", "name", "start_month", "opens_at", "closes_at", "ruleset", "publish_at",
                  "offer_response_days", "publishes_waitlist_position"]
        widgets = {"opens_at": DATETIME_WIDGET, "closes_at": DATETIME_WIDGET, "publish_at": DATETIME_WIDGET,
                   "start_month": DATE_WIDGET}

    def __init__(self, *args, fiscal_year: FiscalYear, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.fiscal_year = fiscal_year
        self.fields["ruleset"].queryset = fiscal_year.rulesets.all()
        for name in ("opens_at", "closes_at", "publish_at"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]

    def clean_start_month(self):
        day = self.cleaned_data["start_month"]
        if day.day != 1:
            raise ValidationError(_("Placements start on the first day of a month."))
        fy = self.instance.fiscal_year
        if not fy.contains(day):
            raise ValidationError(_("This date is not in fiscal year %(year)s.") % {"year": fy.year})
        return day

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and opens >= closes:
            self.add_error("closes_at", _("Applications must close after they open."))
        return data


class KokoaProgrammeForm(_CleanText, forms.ModelForm):
    class Meta:
        model = KokoaProgramme
        fields = ["school", "operator", "name", "place"]

    def __init__(self, *args, fiscal_year: FiscalYear, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.fiscal_year = fiscal_year


class KokoaSessionForm(_CleanText, forms.ModelForm):
    class Meta:
        model = KokoaSession
        fields = ["kind", "title", "weekday", "date", "starts_at", "ends_at", "capacity"]
        widgets = {"date": DATE_WIDGET, "starts_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                   "ends_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}
        help_texts = {"weekday": _("For a regular session."), "date": _("For a special or vacation day.")}

    def __init__(self, *args, programme: KokoaProgramme, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.programme = programme

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == KokoaSession.Kind.REGULAR:
            # A regular session repeats on its weekday: a date left over from editing means nothing.
            data["date"] = None
        if kind == KokoaSession.Kind.REGULAR and data.get("weekday") is None:
            self.add_error("weekday", _("A regular session needs its weekday."))
        if kind == KokoaSession.Kind.SPECIAL and data.get("date") is None:
            self.add_error("date", _("A special session needs its date."))
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and starts >= ends:
            self.add_error("ends_at", _("The session must end after it starts."))
        return data
