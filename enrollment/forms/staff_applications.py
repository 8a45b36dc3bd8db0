"""Forms of the staff's application pages: the list filters, the actions on one application, the
paper application (also the row format of an import: one row is one paper application)."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from enrollment import rules
from enrollment.kana import is_katakana, to_katakana
from enrollment.models import (
    Application,
    Child,
    Club,
    Document,
    Guardian,
    Household,
    Round,
    School,
)
from enrollment.services.points import guardian_facts

# --- the list ------------------------------------------------------------------------------------

FLAG_CHOICES = [
    ("support", _("Needs support")),
    ("siblings", _("Applies with siblings")),
    ("paper", _("Paper application")),
    ("documents_pending", _("Documents not checked yet")),
]


class ApplicationFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        help_text=_("Receipt number, name or reading (katakana)."))
    round = forms.ModelChoiceField(label=_("Round"), queryset=Round.objects.select_related("fiscal_year"),
                                   required=False, empty_label=_("All rounds"))
    school = forms.ModelChoiceField(label=_("School"), queryset=School.objects.all(), required=False,
                                    empty_label=_("All schools"))
    club = forms.ModelChoiceField(label=_("Club chosen"), queryset=Club.objects.all(), required=False,
                                  empty_label=_("All clubs"))
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All statuses")), *Application.Status.choices])
    flags = forms.MultipleChoiceField(label=_("Only applications that"), required=False, choices=FLAG_CHOICES,
                                      widget=forms.CheckboxSelectMultiple)

    def clean_q(self):
        return normalise_text(self.cleaned_data["q"])


# --- actions on one application ------------------------------------------------------------------

class ReturnForm(forms.Form):
    comment = forms.CharField(label=_("What the family must correct"), max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("The family sees this comment exactly as written."))

    def clean_comment(self):
        comment = normalise_text(self.cleaned_data["comment"], multiline=True)
        if not comment:
            raise ValidationError(_("Write what the family must correct."))
        return comment


class PointsAdjustForm(forms.Form):
    points = forms.DecimalField(label=_("Points to add (negative to subtract)"), max_digits=4, decimal_places=1,
                                min_value=Decimal("-99.9"), max_value=Decimal("99.9"))
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Kept with the breakdown; say which rule or circumstance justifies it."))

    def clean_points(self):
        points = self.cleaned_data["points"]
        if points == 0:
            raise ValidationError(_("An adjustment of zero points changes nothing."))
        return points

    def clean_reason(self):
        reason = normalise_text(self.cleaned_data["reason"], multiline=True)
        if not reason:
            raise ValidationError(_("Write the reason for the adjustment."))
        return reason


class DocumentReviewForm(forms.Form):
    review = forms.ChoiceField(label=_("Check"), choices=Document.Review.choices)


# --- text clean-up -------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def normalise_text(value: str, *, multiline: bool = False) -> str:
    """Strip, and refuse what no database or letter can hold: NUL and other control characters,
    lone surrogates. Kanji are kept exactly as typed (no NFKC on names)."""
    value = (value or "").strip()
    if _CONTROL.search(value.replace("\n", "").replace("\r", "").replace("\t", "") if multiline else value):
        raise ValidationError(_("This contains characters that cannot be stored (control characters)."),
                              code="control")
    return value




# --- the paper application -----------------------------------------------------------------------

HOUSEHOLD_FIELDS = ("postal_code", "address", "address_extra", "phone", "emergency_contact_name",
                    "emergency_contact_phone", "single_parent", "public_assistance", "resident_tax_exempt",
                    "grandparent_at_home", "income_tax_previous", "income_tax_current")
GUARDIAN_FIELDS = ("family_name", "given_name", "family_kana", "given_kana", "relationship", "phone", "employer",
                   "reason", "works_at_home", "days_per_month", "hours_per_day", "afternoon_hours",
                   "illness_level", "disability_grade", "care_level", "absence_kind", "expected_birth_date",
                   "job_seeking_since", "leave_return_date", "posted_away")
CHILD_FIELDS = ("family_name", "given_name", "family_kana", "given_kana", "birth_date", "needs_support",
                "support_notes", "care_notes", "care_notes_shared")
KANA_FIELDS = ("family_kana", "given_kana")
REQUIRED_COLUMNS = ("postal_code", "address", "phone",
                    "g1_family_name", "g1_given_name", "g1_family_kana", "g1_given_kana", "g1_reason",
                    "child_family_name", "child_given_name", "child_family_kana", "child_given_kana",
                    "child_birth_date", "child_school", "choice_1")


def _model_field(model, name, *, required=None, label=None):
    field = model._meta.get_field(name).formfield()
    if isinstance(field, forms.DateField):
        field = forms.DateField(label=field.label, required=field.required, help_text=_("For example 2020-05-01."),
                                widget=forms.DateInput(attrs={"type": "date"}))
    if required is not None:
        field.required = required
    if label is not None:
        field.label = label
    return field


def paper_columns() -> list[str]:
    """Every column of the import layout, in order (the paper form uses the same names)."""
    return ([*HOUSEHOLD_FIELDS]
            + [f"g{n}_{name}" for n in (1, 2) for name in GUARDIAN_FIELDS]
            + [f"child_{name}" for name in CHILD_FIELDS] + ["child_school"]
            + [f"choice_{rank}" for rank in range(1, Application.MAX_CHOICES + 1)] + ["requested_start"])


class PaperApplicationForm(forms.Form):
    """One child's application as the paper form has it: household, one or two guardians, the
    child, up to five clubs. Validated by the models' own rules and by ``rules.validate_facts``."""

    def __init__(self, *args, round_: Round, **kwargs):
        super().__init__(*args, **kwargs)
        self.round = round_
        for name in HOUSEHOLD_FIELDS:
            self.fields[name] = _model_field(Household, name)
        for n in (1, 2):
            for name in GUARDIAN_FIELDS:
                base = _model_field(Guardian, name)
                label = format_lazy(_("Guardian {n}: {field}"), n=n, field=base.label)
                # The second guardian is optional as a whole: its fields are checked in clean().
                self.fields[f"g{n}_{name}"] = _model_field(Guardian, name, label=label,
                                                           required=base.required and n == 1)
        for name in CHILD_FIELDS:
            base = _model_field(Child, name)
            self.fields[f"child_{name}"] = _model_field(Child, name,
                                                        label=format_lazy(_("Child: {field}"), field=base.label))
        self.fields["child_school"] = forms.ModelChoiceField(
            label=_("Child: school"), queryset=School.objects.all(), to_field_name="code",
            error_messages={"invalid_choice": _("There is no school with this code.")})
        clubs = Club.objects.filter(is_active=True)
        for rank in range(1, Application.MAX_CHOICES + 1):
            self.fields[f"choice_{rank}"] = forms.ModelChoiceField(
                label=format_lazy(_("Club choice {rank}"), rank=rank), queryset=clubs, to_field_name="code",
                required=rank == 1, error_messages={"invalid_choice": _("There is no active club with this code.")})
        self.fields["requested_start"] = forms.DateField(
            label=_("Requested start date"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
            help_text=_("Empty: the first day of the round's placements."))

    def clean(self):
        data = super().clean()
        for name, value in list(data.items()):
            if isinstance(value, str):
                try:
                    data[name] = normalise_text(value, multiline=name.endswith("_notes"))
                except ValidationError as error:
                    self.add_error(name, error)
                    continue
                if name.endswith(KANA_FIELDS) and data[name]:
                    data[name] = to_katakana(data[name])
                    if not is_katakana(data[name]):
                        self.add_error(name, _("Write the reading in kana (hiragana or katakana)."))
        if self.errors:
            return data
        has_second = any(data.get(f"g2_{name}") not in ("", None, False) for name in GUARDIAN_FIELDS)
        self.household = Household(**{name: data[name] for name in HOUSEHOLD_FIELDS if data.get(name) is not None})
        self.guardians = [self._guardian(data, 1)] + ([self._guardian(data, 2)] if has_second else [])
        self.child = Child(household=self.household, school=data["child_school"],
                           **{name: data[f"child_{name}"] for name in CHILD_FIELDS})
        self.clubs = [data[f"choice_{r}"] for r in range(1, Application.MAX_CHOICES + 1) if data.get(f"choice_{r}")]
        self.requested_start = data.get("requested_start") or self.round.start_month
        self._check_models()
        if not self.errors:
            self._check_rules()
        return data

    def _guardian(self, data, n):
        values = {name: data[f"g{n}_{name}"] for name in GUARDIAN_FIELDS}
        values = {k: v for k, v in values.items() if v is not None}
        return Guardian(household=self.household, order=n, **values)

    def _check_models(self):
        checks = [(self.household, "", ()), (self.child, "child_", ("household",))]
        checks += [(g, f"g{g.order}_", ("household",)) for g in self.guardians]
        for obj, prefix, exclude in checks:
            try:
                obj.full_clean(exclude=list(exclude), validate_constraints=False)
            except ValidationError as error:
                for name, messages in error.message_dict.items():
                    field = f"{prefix}{name}" if f"{prefix}{name}" in self.fields else None
                    for message in messages:
                        self.add_error(field, message)
        seen = set()
        for rank in range(1, Application.MAX_CHOICES + 1):
            club = self.cleaned_data.get(f"choice_{rank}")
            if club is None:
                continue
            if club.pk in seen:
                self.add_error(f"choice_{rank}", _("This club is already chosen above."))
            seen.add(club.pk)
        if self.child.birth_date and self.child.birth_date < datetime.date(2000, 1, 1):
            self.add_error("child_birth_date", _("Enter the child's real date of birth."))

    def _check_rules(self):
        ruleset_row = self.round.effective_ruleset()
        if ruleset_row is None:
            self.add_error(None, _("This round's fiscal year has no rule set yet."))
            return
        ruleset = ruleset_row.parsed()
        year = self.round.fiscal_year.year
        grade = rules.school_grade(self.child.birth_date, year)
        lo, hi = ruleset.eligibility.min_grade, ruleset.eligibility.max_grade
        if not lo <= grade <= hi:
            self.add_error("child_birth_date", _("A child born on this date is not in grades %(lo)s–%(hi)s in "
                                                 "the fiscal year applied for.") % {"lo": lo, "hi": hi})
            return
        for rank, club in enumerate(self.clubs, start=1):
            if not club.serves_grade(grade):
                self.add_error(f"choice_{rank}", _("This club does not take children of grade %(grade)s.")
                               % {"grade": grade})
        household = rules.HouseholdFacts(
            guardians=tuple(guardian_facts(g) for g in self.guardians),
            single_parent=self.household.single_parent, public_assistance=self.household.public_assistance,
            grandparent_at_home=self.household.grandparent_at_home,
            income_tax_previous=self.household.income_tax_previous,
            income_tax_current=self.household.income_tax_current)
        child = rules.ChildFacts(grade=grade, needs_support=self.child.needs_support)
        try:
            rules.validate_facts(ruleset, household, child)
        except rules.FactsError as error:
            for message in error.messages:
                self._add_facts_error(message)

    def _add_facts_error(self, message: str):
        match = re.match(r"guardians\[(\d)\]\.(\w+): (.*)", message)
        if match:
            field = f"g{int(match.group(1)) + 1}_{match.group(2)}"
            if match.group(3).startswith("required"):
                text = _("Required for this guardian's reason.")
            else:
                text = _("This value does not fit this guardian's reason.")
            self.add_error(field if field in self.fields else None, text)
        elif message.startswith("guardians: a single-parent"):
            self.add_error("single_parent", _("A single-parent household has exactly one guardian."))
        else:
            self.add_error(None, _("The rules cannot use these facts: %(detail)s") % {"detail": message})

    def is_second_guardian_field(self, name: str) -> bool:
        return name.startswith("g2_")


# --- import --------------------------------------------------------------------------------------

class ImportUploadForm(forms.Form):
    round = forms.ModelChoiceField(label=_("Round"), queryset=Round.objects.select_related("fiscal_year"))
    file = forms.FileField(label=_("File (CSV or Excel)"),
                           help_text=_("UTF-8 or Shift_JIS CSV, or an .xlsx workbook; at most 5 MB."))

    MAX_BYTES = 5 * 1024 * 1024

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise ValidationError(_("The file is larger than 5 MB."))
        return upload


class ImportConfirmForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    only_valid = forms.BooleanField(label=_("Import only the valid rows and leave out the rows with errors"),
                                    required=False)
