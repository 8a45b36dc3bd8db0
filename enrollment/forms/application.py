"""Forms of the family's application and of the actions after it.

Forms only check what was typed and turn it into objects; the rules (open round, editable
status, grades a club serves) are the service's, and its refusals are shown on the form.
"""

from __future__ import annotations

from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from enrollment.forms.fields import JapaneseDateField, SafeTextFormMixin
from enrollment.models import Application, Document, SiblingGroup
from enrollment.models.base import Weekday


def _with_aside(name: str, aside: str) -> str:
    # Japanese brackets an aside with full-width （）, English with ( ): the pattern is translated.
    return pgettext("a name with an aside", "%(name)s (%(aside)s)") % {"name": name, "aside": aside}


RANK_LABELS = [_("First choice"), _("Second choice"), _("Third choice"), _("Fourth choice"), _("Fifth choice")]


def month_label(day) -> str:
    return formats.date_format(day, "YEAR_MONTH_FORMAT")


class ApplyStartForm(SafeTextFormMixin, forms.Form):
    children = forms.MultipleChoiceField(
        label=_("Children applying"), widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one child."),
                        "invalid_choice": _("Choose children of your household.")})
    sibling_mode = forms.ChoiceField(
        label=_("If two or more children apply"), required=False, widget=forms.RadioSelect,
        choices=SiblingGroup.Mode.choices,
        help_text=_("“The same club or none”: the children get places at the same club, or none of them "
                    "gets a place. “The same club preferred”: the same club if possible, otherwise "
                    "different clubs."),
        error_messages={"invalid_choice": _("Choose one of the options shown.")})

    def __init__(self, *args, children, labels, **kwargs):
        super().__init__(*args, **kwargs)
        self.children_by_key = {str(child.public_id): child for child in children}
        self.fields["children"].choices = [(str(c.public_id), labels[c.pk]) for c in children]

    def clean(self):
        data = super().clean()
        chosen = data.get("children") or []
        if len(chosen) >= 2 and not data.get("sibling_mode"):
            self.add_error("sibling_mode", _("Choose whether the children must go to the same club."))
        return data

    @property
    def chosen_children(self):
        return [self.children_by_key[key] for key in self.cleaned_data["children"]]


class ChoicesForm(SafeTextFormMixin, forms.Form):
    """Five rank selects: reordering needs no script, only choosing another club for a rank."""

    requested_start = forms.ChoiceField(
        label=_("Requested start"), error_messages={"invalid_choice": _("Choose a month from the list.")})

    def __init__(self, *args, clubs, months, home_district, **kwargs):
        super().__init__(*args, **kwargs)
        self.clubs_by_key = {str(club.pk): club for club in clubs}
        near = [(str(c.pk), _with_aside(c.name, c.school.name)) for c in clubs if c.school.district_id == home_district]
        far = [(str(c.pk), _with_aside(c.name, pgettext("two items joined", "%(first)s · %(second)s")
                                       % {"first": c.school.name, "second": c.school.district.name}))
               for c in clubs if c.school.district_id != home_district]
        options = [("", _("— not chosen —"))]
        if near:
            options.append((str(_("Clubs in your child's school district")), near))
        if far:
            options.append((str(_("Clubs in other school districts")), far))
        for rank, label in enumerate(RANK_LABELS, start=1):
            self.fields[f"choice_{rank}"] = forms.ChoiceField(
                label=label, required=False, choices=options,
                error_messages={"invalid_choice": _("Choose a club from the list.")})
        self.order_fields([f"choice_{rank}" for rank in range(1, 6)] + ["requested_start"])
        self.months = {month.isoformat(): month for month in months}
        self.fields["requested_start"].choices = [(key, month_label(m)) for key, m in self.months.items()]

    @property
    def choice_fields(self):
        return [self[f"choice_{rank}"] for rank in range(1, 6)]

    def clean(self):
        data = super().clean()
        seen = set()
        for rank in range(1, 6):
            key = data.get(f"choice_{rank}")
            if not key:
                continue
            if key in seen:
                self.add_error(f"choice_{rank}", _("This club is already chosen above. Choose another "
                                                   "club, or leave this choice empty."))
            seen.add(key)
        if not seen and not self.has_error("choice_1"):
            self.add_error("choice_1", _("Choose at least one club."))
        return data

    @property
    def chosen_clubs(self):
        keys = [self.cleaned_data.get(f"choice_{rank}") for rank in range(1, 6)]
        return [self.clubs_by_key[key] for key in keys if key]

    @property
    def start_date(self):
        return self.months[self.cleaned_data["requested_start"]]


def choices_initial(application: Application) -> dict:
    initial = {f"choice_{c.rank}": str(c.club_id) for c in application.choices.all()}
    initial["requested_start"] = application.requested_start.isoformat()
    return initial


WEEKDAY_CHOICES = [(str(value), label) for value, label in Weekday.choices if value < 5]


class KokoaForm(SafeTextFormMixin, forms.Form):
    weekdays = forms.MultipleChoiceField(
        label=_("Weekdays the child will come"), required=False, widget=forms.CheckboxSelectMultiple,
        choices=WEEKDAY_CHOICES, error_messages={"invalid_choice": _("Choose weekdays from the list.")})
    sessions = forms.MultipleChoiceField(
        label=_("Sessions with limited places you would like"), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Places at these sessions are allocated; children waiting for a club place come first."),
        error_messages={"invalid_choice": _("Choose sessions from the list.")})

    def __init__(self, *args, sessions, **kwargs):
        super().__init__(*args, **kwargs)
        self.sessions_by_key = {str(s.pk): s for s in sessions}
        self.fields["sessions"].choices = [
            (str(s.pk), f"{formats.date_format(s.date, 'MONTH_DAY_FORMAT') if s.date else s.get_weekday_display()} "
                        + _with_aside(s.title, f"{s.starts_at:%H:%M}–{s.ends_at:%H:%M}")) for s in sessions]
        if not sessions:
            del self.fields["sessions"]

    @property
    def chosen_sessions(self):
        return [self.sessions_by_key[key] for key in self.cleaned_data.get("sessions", [])]


class DocumentForm(SafeTextFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind of document"), choices=[("", _("Choose"))] + Document.Kind.choices,
                             error_messages={"invalid_choice": _("Choose a kind from the list.")})
    guardian = forms.ChoiceField(label=_("Whose document is it?"), required=False,
                                 error_messages={"invalid_choice": _("Choose a guardian from the list.")})
    file = forms.FileField(
        label=_("File"), help_text=_("A PDF, JPEG or PNG file of up to %(limit)s MB."),
        error_messages={"required": _("Choose a file to upload."),
                        "empty": _("The file is empty. Choose the file again."),
                        "invalid": _("Choose a file to upload.")},
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}))

    def __init__(self, *args, guardians, limit_mb, **kwargs):
        super().__init__(*args, **kwargs)
        self.guardians_by_key = {str(g.order): g for g in guardians}
        self.fields["guardian"].choices = [("", _("Not about one guardian"))] + [
            (str(g.order), g.full_name) for g in guardians]
        self.fields["file"].help_text = self.fields["file"].help_text % {"limit": limit_mb}

    @property
    def chosen_guardian(self):
        return self.guardians_by_key.get(self.cleaned_data.get("guardian") or "")


class ConfirmSubmitForm(SafeTextFormMixin, forms.Form):
    submission_key = forms.UUIDField(widget=forms.HiddenInput,
                                     error_messages={"required": _("Reload the page and submit again."),
                                                     "invalid": _("Reload the page and submit again.")})
    agree = forms.BooleanField(
        label=_("I confirm that what I entered is true and complete."),
        error_messages={"required": _("Tick the box to confirm what you entered.")})


class ConfirmActionForm(SafeTextFormMixin, forms.Form):
    """The confirmation step of an irreversible action."""

    agree = forms.BooleanField(error_messages={"required": _("Tick the box to confirm.")})
    reason = forms.CharField(label=_("Reason (optional)"), required=False, max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"max_length": _("Write at most 1,000 characters.")})

    def __init__(self, *args, agree_label, with_reason=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agree"].label = agree_label
        if not with_reason:
            del self.fields["reason"]


class LeaveForm(ConfirmActionForm):
    leave_date = JapaneseDateField(label=_("Last day at the club"), min_year=2000, max_year=2200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, with_reason=True, **kwargs)
        self.order_fields(["leave_date", "reason", "agree"])
