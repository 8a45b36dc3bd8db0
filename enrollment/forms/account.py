"""Forms of a family's account: sign-up, a new confirmation link, invitations, settings."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from enrollment.forms.fields import SafeTextFormMixin
from enrollment.models import User

MSG_PASSWORDS_DIFFER = _("The two passwords are not the same. Type the same password twice.")


def _email_field(**kwargs) -> forms.EmailField:
    return forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false", "autocapitalize": "none"}),
        error_messages={"invalid": _("Enter an e-mail address in the form name@example.jp.")},
        **kwargs,
    )


class _NewPasswordMixin:
    """Two password fields checked by the project's password validators against ``user_for_password``."""

    def _new_password_fields(self):
        self.fields["password1"] = forms.CharField(
            label=_("Password"), strip=False,
            widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
            help_text=_("At least 10 characters. Avoid common words and numbers only."),
        )
        self.fields["password2"] = forms.CharField(
            label=_("Password again"), strip=False,
            widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        )

    def user_for_password(self, cleaned) -> User:
        return User(email=cleaned.get("email", ""), role=User.Role.FAMILY)

    def clean_password2(self):
        first = self.cleaned_data.get("password1")
        second = self.cleaned_data.get("password2")
        if first and second and first != second:
            raise ValidationError(MSG_PASSWORDS_DIFFER, code="password_mismatch")
        return second

    def _check_password(self, cleaned):
        password = cleaned.get("password2")
        if password and not self.has_error("password2"):
            try:
                password_validation.validate_password(password, self.user_for_password(cleaned))
            except ValidationError as error:
                self.add_error("password1", error)


class SignupForm(SafeTextFormMixin, _NewPasswordMixin, forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"] = _email_field(
            help_text=_("We send a link to this address. Your account works once you open it."))
        self._new_password_fields()

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean(self):
        cleaned = super().clean()
        self._check_password(cleaned)
        return cleaned


class ResendConfirmationForm(SafeTextFormMixin, forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"] = _email_field(help_text=_("The address you signed up with."))

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class InvitationForm(SafeTextFormMixin, forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"] = _email_field(
            help_text=_("The other guardian's own address. The link in the e-mail works for 7 days."))

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class InvitationAcceptForm(SafeTextFormMixin, _NewPasswordMixin, forms.Form):
    """The invited guardian chooses a password; the address is the one the invitation went to."""

    def __init__(self, *args, email: str = "", **kwargs):
        self.email = email
        super().__init__(*args, **kwargs)
        self._new_password_fields()

    def user_for_password(self, cleaned) -> User:
        return User(email=self.email, role=User.Role.FAMILY)

    def clean(self):
        cleaned = super().clean()
        self._check_password(cleaned)
        return cleaned


class AccountSettingsForm(SafeTextFormMixin, forms.Form):
    display_name = forms.CharField(
        label=_("Name shown at the top of the page"), max_length=100, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        help_text=_("Optional. Without a name, your e-mail address is shown."),
    )
