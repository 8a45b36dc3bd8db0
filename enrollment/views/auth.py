"""Sign-in, sign-out and passwords.

Families and the city's own people (staff, operators) sign in on separate pages. An account of
the other kind is refused with the same message as a wrong password, so neither page tells a
visitor whether an address has an account.
"""

from urllib.parse import urlsplit

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpResponseRedirect
from django.core.exceptions import ValidationError
from django.forms.forms import NON_FIELD_ERRORS
from django.urls import Resolver404, resolve, reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _

from enrollment.permissions import (
    FAMILY,
    OPERATOR_ROLE,
    STAFF_READ_ROLE,
    may_use,
    role_home_url,
    signed_in_required,
    user_roles,
)
from enrollment.security import client_ip, login_attempt_record, login_throttle


class _RoleAuthenticationForm(AuthenticationForm):
    """E-mail and password, accepted only for the roles this login page serves."""

    accepted_roles: frozenset[str] = frozenset()

    username = forms.CharField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "spellcheck": "false",
                                       "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean_username(self):
        # Addresses are stored in lower case; people type them with capitals from their phone.
        return self.cleaned_data["username"].strip().lower()

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not user_roles(user) & self.accepted_roles:
            raise self.get_invalid_login_error()

    def clean(self):
        # Throttled before the password is checked: a locked-out guesser learns nothing, even
        # from a right guess.
        username = self.cleaned_data.get("username", "")
        ip_address = client_ip(self.request) if self.request is not None else None
        throttle = login_throttle(username=username, ip_address=ip_address)
        if not throttle.allowed:
            raise ValidationError(throttle.message(), code="throttled")
        try:
            cleaned = super().clean()
        except ValidationError:
            login_attempt_record(username=username, ip_address=ip_address, succeeded=False)
            raise
        login_attempt_record(username=username, ip_address=ip_address, succeeded=True)
        return cleaned


class FamilyAuthenticationForm(_RoleAuthenticationForm):
    accepted_roles = frozenset({FAMILY})
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "The e-mail address or password is not correct, or the account cannot sign in on "
            "this page. City staff and club operators sign in on the staff sign-in page."
        ),
    }


class StaffAuthenticationForm(_RoleAuthenticationForm):
    accepted_roles = frozenset({STAFF_READ_ROLE, OPERATOR_ROLE})
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "The e-mail address or password is not correct, or the account cannot sign in on "
            "this page. Families sign in on the family sign-in page."
        ),
    }


class _RoleLoginView(auth_views.LoginView):
    def dispatch(self, request, *args, **kwargs):
        # Someone already signed in with an account this page serves has nothing to do here;
        # someone signed in with the other kind of account may want to switch, so they see the form.
        user = request.user
        if user.is_authenticated and user_roles(user) & self.form_class.accepted_roles:
            return HttpResponseRedirect(role_home_url(user))
        return super().dispatch(request, *args, **kwargs)

    def get_default_redirect_url(self):
        return role_home_url(self.request.user)

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.has_error(NON_FIELD_ERRORS, "throttled"):
            response.status_code = 429
        return response

    def get_redirect_url(self):
        # A ?next= left over from another account's page would land this user on a 404.
        url = super().get_redirect_url()
        if url and self.request.user.is_authenticated:
            try:
                match = resolve(urlsplit(url).path)
            except Resolver404:
                return ""
            if match.url_name and not may_use(self.request.user, match.url_name):
                return ""
        return url


class FamilyLoginView(_RoleLoginView):
    form_class = FamilyAuthenticationForm
    template_name = "registration/login.html"
    extra_context = {"login_kind": "family"}


class StaffLoginView(_RoleLoginView):
    form_class = StaffAuthenticationForm
    template_name = "registration/login.html"
    extra_context = {"login_kind": "staff"}


class SignOutView(auth_views.LogoutView):
    """POST only (Django's rule): a link or an image cannot sign anyone out."""

    def post(self, request, *args, **kwargs):
        came_from_staff_side = bool(user_roles(request.user) & {STAFF_READ_ROLE, OPERATOR_ROLE})
        super().post(request, *args, **kwargs)
        messages.success(request, _("You have signed out."))
        return HttpResponseRedirect(reverse("staff_login" if came_from_staff_side else "home"))


login = FamilyLoginView.as_view()
staff_login = StaffLoginView.as_view()
logout = SignOutView.as_view()

password_change = signed_in_required(auth_views.PasswordChangeView.as_view(
    template_name="registration/password_change_form.html",
    success_url=reverse_lazy("password_change_done"),
))
password_change_done = signed_in_required(auth_views.PasswordChangeDoneView.as_view(
    template_name="registration/password_change_done.html",
))
password_reset = auth_views.PasswordResetView.as_view(
    template_name="registration/password_reset_form.html",
    email_template_name="registration/password_reset_email.txt",
    subject_template_name="registration/password_reset_subject.txt",
    success_url=reverse_lazy("password_reset_done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="registration/password_reset_done.html",
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="registration/password_reset_confirm.html",
    success_url=reverse_lazy("password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="registration/password_reset_complete.html",
)
