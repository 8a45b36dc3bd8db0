"""Forms of the household, its guardians and its children.

The guardian form is checked by the same function the points use
(``enrollment.rules.validate_facts``) through a small adapter, so a family cannot save a
situation the rules cannot score, and sees why on the field at fault.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from enrollment import rules
from enrollment.forms.fields import JapaneseDateField, KanaField, PhoneField, PostalCodeField, SafeTextFormMixin
from enrollment.models import Child, FiscalYear, Guardian, School
from enrollment.rules.grades import fiscal_year_of, school_grade

MAX_INCOME_TAX_YEN = 99_999_999


def _text(label, *, max_length, required=True, autocomplete="", help_text="", **attrs) -> forms.CharField:
    if autocomplete:
        attrs["autocomplete"] = autocomplete
    return forms.CharField(label=label, max_length=max_length, required=required, help_text=help_text,
                           widget=forms.TextInput(attrs=attrs))


def _yes_no(label, help_text="") -> forms.BooleanField:
    return forms.BooleanField(label=label, required=False, help_text=help_text)


def forms_ruleset():
    """The rules the forms check against: the newest fiscal year's rule set, else the default."""
    fy = FiscalYear.objects.order_by("-year").first()
    stored = fy.current_ruleset() if fy else None
    return stored.parsed() if stored else rules.load_default_ruleset()


def upcoming_fiscal_year(today: datetime.date) -> int:
    """The school year families are applying for: next April's, since the first round is in autumn."""
    return fiscal_year_of(today) + 1


class HouseholdForm(SafeTextFormMixin, forms.Form):
    action_url = ""
    postal_code = PostalCodeField(label=_("Postal code"), help_text=_("7 digits, for example 201-0001."))
    address = _text(_("Address"), max_length=200, autocomplete="street-address",
                    help_text=_("From the city or ward onwards, for example 泊江市中央1-2-3."))
    address_extra = _text(_("Building and room"), max_length=100, required=False,
                          help_text=_("Optional."))
    phone = PhoneField(label=_("Phone"), help_text=_("A number where we can reach you in the daytime."))
    emergency_contact_name = _text(_("Emergency contact: name"), max_length=100, required=False,
                                   help_text=_("Someone other than the guardians, if you have one."))
    emergency_contact_phone = PhoneField(label=_("Emergency contact: phone"), required=False)
    single_parent = _yes_no(_("Single-parent household"),
                            _("Only one guardian lives with and cares for the children."))
    public_assistance = _yes_no(_("The household receives public assistance (生活保護)"))
    resident_tax_exempt = _yes_no(_("The household is exempt from resident tax"),
                                  _("Used only to reduce the monthly fee."))
    grandparent_at_home = _yes_no(
        _("A grandparent under 65 lives with you and can look after the children after school"))
    income_tax_previous = forms.IntegerField(
        label=_("Municipal income tax, previous year's assessment (yen)"), required=False,
        min_value=0, max_value=MAX_INCOME_TAX_YEN,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("Optional. The 所得割額 on your tax notice. It is used only when two children "
                    "have the same points: the lower tax comes first. Leave it empty if you prefer "
                    "not to say; you are then placed after those who gave it."))
    income_tax_current = forms.IntegerField(
        label=_("Municipal income tax, current year's assessment (yen)"), required=False,
        min_value=0, max_value=MAX_INCOME_TAX_YEN,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("Optional, as above. From September the current year's assessment is used."))

    def __init__(self, *args, guardian_count: int = 0, **kwargs):
        self.guardian_count = guardian_count
        super().__init__(*args, **kwargs)
        for name in ("income_tax_previous", "income_tax_current"):
            self.fields[name].error_messages.update({
                "invalid": _("Enter the amount in yen as a whole number, without commas."),
                "min_value": _("Enter an amount of 0 yen or more."),
                "max_value": _("Enter an amount of at most 99,999,999 yen."),
            })

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("single_parent") and self.guardian_count > 1:
            self.add_error("single_parent", _(
                "A single-parent household has one guardian. Remove the second guardian first, "
                "or leave this unticked."))
        return cleaned


# (key, legend, reasons that need these fields, field names), in the order the form shows them.
REASON_GROUPS = [
    ("hours", _("Days and hours"), ("work", "job_offer", "study", "parental_leave"),
     ("days_per_month", "hours_per_day", "afternoon_hours", "works_at_home")),
    ("leave", _("Parental leave"), ("parental_leave",), ("leave_return_date",)),
    ("childbirth", _("Childbirth"), ("childbirth",), ("expected_birth_date",)),
    ("illness", _("Illness or injury"), ("illness",), ("illness_level",)),
    ("disability", _("Disability"), ("disability",), ("disability_grade",)),
    ("care", _("Nursing care"), ("nursing_care",), ("care_level",)),
    ("absence", _("Absence"), ("absent",), ("absence_kind",)),
    ("job_seeking", _("Job-seeking"), ("job_seeking",), ("job_seeking_since",)),
]
REASON_FIELD_NAMES = {name for _k, _l, _r, names in REASON_GROUPS for name in names}
# works_at_home is read for these reasons only (rules: at-home work scores 2 less).
WORKS_AT_HOME_REASONS = ("work", "job_offer", "parental_leave")


def fields_for_reason(reason: str) -> set[str]:
    names = {name for _k, _l, reasons, group in REASON_GROUPS if reason in reasons for name in group}
    if reason not in WORKS_AT_HOME_REASONS:
        names.discard("works_at_home")
    return names


# What the rules' messages mean for the family, per field (validate_facts speaks to developers).
_FACT_MESSAGES = {
    "days_per_month": _("Enter the number of days a month, from 0 to 31."),
    "hours_per_day": _("Enter the hours a day, from 0 to 24, for example 7.5."),
    "afternoon_hours": _("Enter the hours away between 14:00 and 18:00, from 0 to %(window)s."),
    "illness_level": _("Choose how the illness or injury affects you."),
    "disability_grade": _("Choose the grade of the disability."),
    "care_level": _("Choose how much care you give."),
    "absence_kind": _("Choose why the guardian is absent."),
    "expected_birth_date": _("Enter the expected date of birth."),
    "job_seeking_since": _("Enter the date you started looking for work."),
    "leave_return_date": _("Enter the date you return to work."),
}
MSG_FACT_REQUIRED = _("This is needed for the reason you chose.")
_FACT_PATH_RE = re.compile(r"^guardians\[\d+\]\.(?P<field>[a-z_]+): (?P<text>.*)$")


def _decimal_field(label, *, max_value, help_text="") -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=False, min_value=Decimal(0), max_value=Decimal(max_value), max_digits=3,
        decimal_places=1, help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


class GuardianForm(SafeTextFormMixin, forms.Form):
    family_name = _text(_("Family name"), max_length=50, autocomplete="family-name")
    given_name = _text(_("Given name"), max_length=50, autocomplete="given-name")
    family_kana = KanaField(label=_("Family name (katakana)"), help_text=_("Hiragana is fine too."))
    given_kana = KanaField(label=_("Given name (katakana)"), help_text=_("Hiragana is fine too."))
    relationship = _text(_("Relationship to the children"), max_length=20, required=False,
                         help_text=_("For example 母 (mother), 父 (father), 祖母 (grandmother)."))
    phone = PhoneField(label=_("Phone"), required=False, widget=forms.TextInput(
        attrs={"autocomplete": "tel", "inputmode": "tel"}), help_text=_("Optional: a mobile number is best."))
    employer = _text(_("Employer or school"), max_length=150, required=False, autocomplete="organization",
                     help_text=_("Where you work or study, if that is your reason."))
    reason = forms.ChoiceField(label=_("Why you cannot look after the children after school"),
                               choices=[("", _("Choose one"))] + list(Guardian.Reason.choices))
    days_per_month = forms.IntegerField(
        label=_("Days a month"), required=False, min_value=0, max_value=31,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("For work, a job offer, study or parental leave: the usual days a month."))
    hours_per_day = _decimal_field(_("Hours a day"), max_value=24,
                                   help_text=_("Including travel. Half hours as .5, for example 7.5."))
    afternoon_hours = _decimal_field(_("Hours away between 14:00 and 18:00"), max_value=4,
                                     help_text=_("On those days, from 0 to 4. The rules ask for 4 hours."))
    works_at_home = _yes_no(_("I work at home, in the family business, or do piecework"))
    leave_return_date = JapaneseDateField(label=_("Date you return from parental leave"), required=False,
                                          min_year=2000, help_text=_("For parental leave only."))
    expected_birth_date = JapaneseDateField(label=_("Expected date of birth"), required=False, min_year=2000,
                                            help_text=_("For childbirth only."))
    illness_level = forms.ChoiceField(label=_("Illness or injury"), required=False,
                                      choices=[("", _("Choose one"))] + list(Guardian.IllnessLevel.choices),
                                      help_text=_("For illness or injury only."))
    disability_grade = forms.ChoiceField(label=_("Disability grade"), required=False,
                                         choices=[("", _("Choose one"))] + list(Guardian.DisabilityGrade.choices),
                                         help_text=_("For the guardian's own disability only."))
    care_level = forms.ChoiceField(label=_("Care you give"), required=False,
                                   choices=[("", _("Choose one"))] + list(Guardian.CareLevel.choices),
                                   help_text=_("For nursing care of a relative only."))
    absence_kind = forms.ChoiceField(label=_("Why the guardian is absent"), required=False,
                                     choices=[("", _("Choose one"))] + list(Guardian.AbsenceKind.choices),
                                     help_text=_("For an absent guardian only."))
    job_seeking_since = JapaneseDateField(label=_("Looking for work since"), required=False, min_year=2000,
                                          help_text=_("For job-seeking only. Job-seeking counts for 3 months."))
    posted_away = _yes_no(_("This guardian is posted away from home (単身赴任)"))

    action_url = ""
    filter_reasons = False

    def __init__(self, *args, ruleset=None, **kwargs):
        self.ruleset = ruleset
        super().__init__(*args, **kwargs)
        self.fields["days_per_month"].error_messages.update({
            "invalid": _("Enter the number of days as a whole number."),
            "min_value": _("Enter the number of days a month, from 0 to 31."),
            "max_value": _("Enter the number of days a month, from 0 to 31."),
        })
        for name in ("hours_per_day", "afternoon_hours"):
            self.fields[name].error_messages.update({
                "invalid": _("Enter the hours as a number, for example 7.5."),
                "max_decimal_places": _("Enter the hours with at most one decimal, for example 7.5."),
                "max_digits": _("Enter the hours with at most one decimal, for example 7.5."),
                "max_whole_digits": _("Enter the hours with at most one decimal, for example 7.5."),
            })
        self.fields["hours_per_day"].error_messages.update({
            "min_value": _("Enter the hours a day, from 0 to 24, for example 7.5."),
            "max_value": _("Enter the hours a day, from 0 to 24, for example 7.5."),
        })
        self.fields["afternoon_hours"].error_messages.update({
            "min_value": _("Enter the hours away between 14:00 and 18:00, from 0 to 4."),
            "max_value": _("Enter the hours away between 14:00 and 18:00, from 0 to 4."),
        })

    # -- the reason-specific fieldsets, for the template -------------------------------------

    def current_reason(self) -> str:
        if self.is_bound:
            value = self.data.get(self.add_prefix("reason"), "")
        else:
            value = self.initial.get("reason", "")
        return value if value in Guardian.Reason.values else ""

    @property
    def shows_all_reasons(self) -> bool:
        """A fresh form shows every reason's fields (without JavaScript nothing would reveal
        them); htmx then swaps in the chosen reason's. An answered form shows the chosen one's."""
        return not self.is_bound and not self.filter_reasons

    @property
    def visible_reason_groups(self) -> list[dict]:
        reason = self.current_reason()
        needed = fields_for_reason(reason) if reason else set()
        groups = []
        for key, legend, _reasons, names in REASON_GROUPS:
            fields = [self[name] for name in names if self.shows_all_reasons or name in needed]
            if fields:
                groups.append({"key": key, "legend": legend, "fields": fields})
        return groups

    # -- validation through the rules ---------------------------------------------------------

    def clean(self):
        cleaned = super().clean()
        reason = cleaned.get("reason")
        if not reason:
            return cleaned
        keep = fields_for_reason(reason)
        # Values of other reasons stay in the form when a family changes its mind; the rules
        # ignore them and the service clears them, so they are not checked here either.
        for name in REASON_FIELD_NAMES - keep:
            if name in self.errors:
                del self.errors[name]
            field = self.fields[name]
            cleaned[name] = (False if isinstance(field, forms.BooleanField)
                             else "" if isinstance(field, forms.ChoiceField) else None)
        if any(name in self.errors for name in keep):
            return cleaned
        self._check_with_rules(cleaned)
        return cleaned

    def _check_with_rules(self, cleaned) -> None:
        ruleset = self.ruleset or forms_ruleset()
        facts = rules.GuardianFacts(
            reason=cleaned["reason"],
            days_per_month=cleaned.get("days_per_month"),
            hours_per_day=cleaned.get("hours_per_day"),
            afternoon_hours=cleaned.get("afternoon_hours"),
            works_at_home=bool(cleaned.get("works_at_home")),
            illness_level=cleaned.get("illness_level") or None,
            disability_grade=cleaned.get("disability_grade") or None,
            care_level=cleaned.get("care_level") or None,
            absence_kind=cleaned.get("absence_kind") or None,
            expected_birth_date=cleaned.get("expected_birth_date"),
            job_seeking_since=cleaned.get("job_seeking_since"),
            leave_return_date=cleaned.get("leave_return_date"),
            posted_away=bool(cleaned.get("posted_away")),
        )
        try:
            rules.validate_facts(ruleset, rules.HouseholdFacts(guardians=(facts,)), rules.ChildFacts(grade=1))
        except rules.FactsError as error:
            window = ruleset.eligibility.afternoon_window_hours
            for message in error.messages:
                match = _FACT_PATH_RE.match(message)
                field = match["field"] if match else None
                if field not in self.fields:
                    self.add_error("reason", _("These details cannot be used by the rules. Check them."))
                    continue
                if "required" in match["text"]:
                    text = MSG_FACT_REQUIRED
                else:
                    text = _FACT_MESSAGES.get(field, MSG_FACT_REQUIRED)
                if field == "afternoon_hours" and "%(window)s" in str(text):
                    text = str(text) % {"window": window.normalize()}
                if field not in self.errors:
                    self.add_error(field, text)


class ChildForm(SafeTextFormMixin, forms.Form):
    family_name = _text(_("Family name"), max_length=50, help_text=_("As in the family register; rare characters are kept as you type them."))
    given_name = _text(_("Given name"), max_length=50)
    family_kana = KanaField(label=_("Family name (katakana)"), help_text=_("Hiragana is fine too."))
    given_kana = KanaField(label=_("Given name (katakana)"), help_text=_("Hiragana is fine too."))
    birth_date = JapaneseDateField(label=_("Date of birth"), min_year=2000,
                                   help_text=_("Year in western numerals, for example 2020."))
    school = forms.ModelChoiceField(label=_("Elementary school"), queryset=School.objects.none(),
                                    empty_label=_("Choose a school"),
                                    help_text=_("The school the child attends, or will attend in April."))
    needs_support = _yes_no(_("The child needs support (a disability or special care)"),
                            _("Counts for priority. Staff will contact you about the support needed."))
    support_notes = forms.CharField(label=_("Support needed"), required=False, max_length=2000,
                                    widget=forms.Textarea(attrs={"rows": 4}),
                                    help_text=_("Optional. What helps the child; shared with the club."))
    care_notes = forms.CharField(label=_("Allergies and medical care"), required=False, max_length=2000,
                                 widget=forms.Textarea(attrs={"rows": 4}),
                                 help_text=_("Optional. For example: egg allergy, carries an adrenaline pen."))
    care_notes_shared = _yes_no(_("I agree that the club may see the allergies and medical care above"),
                                _("Without your agreement the club does not see them."))

    action_url = ""

    def __init__(self, *args, today: datetime.date, **kwargs):
        self.today = today
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = School.objects.order_by("code")
        self.fields["school"].to_field_name = "code"

    def clean_birth_date(self):
        birth = self.cleaned_data.get("birth_date")
        if birth is None:
            return birth
        if birth > self.today:
            raise ValidationError(_("The date of birth is in the future. Check the year."), code="future")
        current = fiscal_year_of(self.today)
        if not any(1 <= school_grade(birth, year) <= 6 for year in (current, current + 1)):
            raise ValidationError(
                _("Only children in elementary school (grades 1 to 6) this school year or next can be "
                  "registered. Check the year of birth."), code="not_school_age")
        return birth

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("care_notes_shared") and not (cleaned.get("care_notes") or "").strip():
            cleaned["care_notes_shared"] = False
        return cleaned


def child_initial(child: Child) -> dict:
    return {name: getattr(child, name) for name in (
        "family_name", "given_name", "family_kana", "given_kana", "birth_date", "needs_support",
        "support_notes", "care_notes", "care_notes_shared")} | {"school": child.school.code}


def guardian_initial(guardian: Guardian) -> dict:
    return {name: getattr(guardian, name) for name in GuardianForm.base_fields}


def household_initial(household) -> dict:
    return {name: getattr(household, name) for name in HouseholdForm.base_fields}
