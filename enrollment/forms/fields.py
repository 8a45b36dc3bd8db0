"""Form fields for what Japanese families type: readings, dates, postal codes, phone numbers.

Shared by every family form (household, children, applications). Each field accepts what a
phone keyboard produces (full-width digits, hiragana, no hyphen) and stores one canonical form,
and refuses anything else with a message that says what to type.
"""

from __future__ import annotations

import calendar
import datetime
import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from enrollment.kana import is_katakana, to_katakana

# Control characters break letters, CSV exports and PostgreSQL (NUL); lone surrogates cannot be
# stored in UTF-8 at all. Tabs and line breaks are fine in free text.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
MSG_BAD_CHARACTERS = _("This contains characters that cannot be saved. Please retype it.")


def reject_unsavable_characters(value) -> None:
    if isinstance(value, str) and _CONTROL_RE.search(value):
        raise ValidationError(MSG_BAD_CHARACTERS, code="bad_characters")


MSG_ENTER = _("Enter “%(label)s”.")
MSG_CHOOSE = _("Choose “%(label)s”.")


class SafeTextFormMixin:
    """Give every text field of the form the check above (NUL, control characters, surrogates),
    and say which field is missing instead of Django's generic "This field is required"."""

    def full_clean(self):
        # Applied here, not in __init__, so fields that forms add in their own __init__ after
        # this mixin's (the account forms do) are covered too.
        for field in self.fields.values():
            _secure_field(field)
        super().full_clean()


def _secure_field(field) -> None:
    if getattr(field, "_secured", False):
        return
    field._secured = True
    if isinstance(field, forms.CharField):
        field.validators.append(reject_unsavable_characters)
    if isinstance(field, JapaneseDateField):
        return
    generic = forms.Field.default_error_messages["required"]
    if field.error_messages.get("required") == generic:
        message = MSG_CHOOSE if isinstance(field, forms.ChoiceField) else MSG_ENTER
        field.error_messages["required"] = _LazyLabelMessage(message, field)


class _LazyLabelMessage:
    """The required message with the field's label, translated when shown (not at import)."""

    def __init__(self, message, field):
        self.message = message
        self.field = field

    def __str__(self):
        return str(self.message) % {"label": self.field.label}


def _ascii_digits(text: str) -> str:
    """Full-width digits and hyphens to ASCII (NFKC); phones offer full-width input by default."""
    return unicodedata.normalize("NFKC", text).strip()


_DASHES_RE = re.compile(r"[-‐‑‒–—―−－ー]")


class KanaField(forms.CharField):
    """A reading (フリガナ): hiragana, half- or full-width katakana in; full-width katakana out."""

    default_error_messages = {
        "not_kana": _("Enter the reading in katakana or hiragana, for example トマエ."),
    }

    def __init__(self, *, max_length: int = 50, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
        super().__init__(max_length=max_length, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        # The unsavable-character check must see the raw text: NFKC would hide some of it.
        reject_unsavable_characters(value)
        return to_katakana(value)

    def validate(self, value):
        super().validate(value)
        if value not in self.empty_values and not is_katakana(value):
            raise ValidationError(self.error_messages["not_kana"], code="not_kana")


class PostalCodeField(forms.CharField):
    """郵便番号: ``1234567``, ``123-4567`` or full-width digits in; ``123-4567`` out."""

    default_error_messages = {
        "invalid": _("Enter the postal code as 7 digits, for example 201-0001."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}))
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        reject_unsavable_characters(value)
        digits = _DASHES_RE.sub("", _ascii_digits(value)).replace(" ", "")
        if not re.fullmatch(r"[0-9]{7}", digits):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return f"{digits[:3]}-{digits[3:]}"


class PhoneField(forms.CharField):
    """A Japanese phone number: 10 or 11 digits starting with 0, hyphens optional; stored with
    ASCII digits and the hyphens the family typed (they know where their area code ends)."""

    default_error_messages = {
        "invalid": _("Enter a phone number of 10 or 11 digits starting with 0, for example 03-1234-5678."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}))
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        reject_unsavable_characters(value)
        text = _DASHES_RE.sub("-", _ascii_digits(value))
        text = re.sub(r"[\s()（）]+", "-", text).strip("-")
        text = re.sub(r"-{2,}", "-", text)
        digits = text.replace("-", "")
        if not re.fullmatch(r"0[0-9]{9,10}", digits) or not re.fullmatch(r"[0-9-]+", text):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return text


class JapaneseDateWidget(forms.MultiWidget):
    """Year, month and day as three separate inputs (the Digital Agency design system's date
    input): a western year with an example, numeric keyboards on phones, each part labelled."""

    use_fieldset = True
    PARTS = (
        ("year", _("Year"), _("e.g. 2020"), "4"),
        ("month", _("Month"), "", "2"),
        ("day", _("Day"), "", "2"),
    )

    def __init__(self, attrs=None):
        base = {"inputmode": "numeric", "autocomplete": "off", "class": "date-input__input"}
        widgets = [forms.TextInput(attrs={**base, "maxlength": size, "size": size}) for _k, _l, _h, size in self.PARTS]
        super().__init__(widgets, attrs)

    def decompress(self, value):
        if isinstance(value, datetime.date):
            return [value.year, value.month, value.day]
        return [None, None, None]

    def render(self, name, value, attrs=None, renderer=None):
        # Rendered here rather than through a template: the project's form renderer only sees
        # Django's built-in widget templates, and each part needs its own visible label.
        context = self.get_context(name, value, attrs)
        parts = []
        for (key, label, hint, _size), sub in zip(self.PARTS, context["widget"]["subwidgets"]):
            sub_attrs = {k: v for k, v in sub["attrs"].items() if v not in (None, False)}
            input_html = format_html(
                '<input type="text" name="{}"{}{}>',
                sub["name"],
                format_html(' value="{}"', sub["value"]) if sub["value"] not in (None, "") else "",
                format_html_join("", ' {}="{}"', ((k, "" if v is True else v) for k, v in sub_attrs.items())),
            )
            hint_html = format_html('<span class="date-input__hint">{}</span>', hint) if hint else ""
            parts.append(format_html(
                '<div class="date-input__item date-input__item--{}"><label class="date-input__label" for="{}">{}</label>'
                '{}{}</div>', key, sub_attrs.get("id", ""), label, input_html, hint_html))
        return format_html('<div class="date-input">{}</div>', format_html_join("", "{}", ((p,) for p in parts)))

    def id_for_label(self, id_):
        return f"{id_}_0" if id_ else id_

    def value_from_datadict(self, data, files, name):
        return [data.get(f"{name}_{i}") for i in range(3)]

    def value_omitted_from_data(self, data, files, name):
        return all(f"{name}_{i}" not in data for i in range(3))


class JapaneseDateField(forms.Field):
    """A date from three inputs; full-width digits accepted; impossible dates refused clearly."""

    widget = JapaneseDateWidget
    default_error_messages = {
        "required": _("Enter the year, month and day."),
        "incomplete": _("Enter all of the year, month and day."),
        "not_numbers": _("Enter the year, month and day as numbers, for example 2020, 4, 1."),
        "year_range": _("Enter a year between %(min)s and %(max)s, written in full, for example 2020."),
        "month_range": _("Enter a month from 1 to 12."),
        "impossible": _("This date does not exist. Check the month and the day (%(month)s has %(days)s days)."),
    }

    def __init__(self, *, min_year: int = 1900, max_year: int = 2100, **kwargs):
        self.min_year = min_year
        self.max_year = max_year
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, datetime.date):
            return value
        parts = list(value) if isinstance(value, (list, tuple)) else [None, None, None]
        parts = (parts + [None, None, None])[:3]
        texts = []
        for part in parts:
            text = "" if part is None else str(part)
            reject_unsavable_characters(text)
            texts.append(_ascii_digits(text))
        if not any(texts):
            return None
        if not all(texts):
            raise ValidationError(self.error_messages["incomplete"], code="incomplete")
        if not all(re.fullmatch(r"[0-9]{1,4}", t) for t in texts):
            raise ValidationError(self.error_messages["not_numbers"], code="not_numbers")
        year, month, day = (int(t) for t in texts)
        if not self.min_year <= year <= self.max_year:
            raise ValidationError(self.error_messages["year_range"], code="year_range",
                                  params={"min": self.min_year, "max": self.max_year})
        if not 1 <= month <= 12:
            raise ValidationError(self.error_messages["month_range"], code="month_range")
        try:
            return datetime.date(year, month, day)
        except ValueError:
            raise ValidationError(self.error_messages["impossible"], code="impossible",
                                  params={"month": _month_name(year, month),
                                          "days": calendar.monthrange(year, month)[1]}) from None


def _month_name(year: int, month: int) -> str:
    return str(_("%(year)s-%(month)s") % {"year": year, "month": month})
