"""Two-factor sign-in (TOTP) for staff and operators.

After the password, a staff or operator session is "pending": enrollment.permissions sends it
here until a code from the person's authenticator app is confirmed. Someone with only the
password can never register a device of their own: setting up is offered only while the account
has no confirmed device; replacing a lost phone is an administrator's job (delete the device in
the admin), after which the person sets up the new one at the next sign-in.
"""

from __future__ import annotations

import base64
import io
from urllib.parse import quote, urlencode

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from enrollment.permissions import role_home_url, second_factor_pending
from enrollment.services.audit import audit_record

DEVICE_NAME = "authenticator"


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Six-digit code"),
        help_text=_("The code your authenticator app shows now, for example 123456."),
        max_length=6, min_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "pattern": "[0-9]*", "spellcheck": "false"}),
    )

    def clean_token(self):
        # Phones insert spaces into pasted codes and people type full-width digits.
        import unicodedata

        token = unicodedata.normalize("NFKC", self.cleaned_data["token"]).replace(" ", "")
        if not token.isascii() or not token.isdigit():
            raise forms.ValidationError(_("Enter the six digits the app shows."), code="digits")
        return token


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                                     require_https=request.is_secure()):
        return candidate
    return role_home_url(request.user)


def _confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def _otpauth_uri(device: TOTPDevice, user) -> str:
    issuer = getattr(settings, "CITY_NAME", "")
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    label = quote(f"{issuer}:{user.email}" if issuer else user.email)
    query = urlencode({"secret": secret, "issuer": issuer, "algorithm": "SHA1",
                       "digits": device.digits, "period": device.step}, quote_via=quote)
    return f"otpauth://totp/{label}?{query}"


def _qr_data_uri(text: str) -> str:
    # A data: image rather than inline <svg>: the CSP forbids inline styles, and no third party
    # ever sees the secret.
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=4)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _grouped_secret(device: TOTPDevice) -> str:
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def _locked_message(device: TOTPDevice) -> str | None:
    allowed, data = device.verify_is_allowed()
    if allowed:
        return None
    locked_until = (data or {}).get("locked_until")
    seconds = max(1, int((locked_until - timezone.now()).total_seconds())) if locked_until else 60
    return ngettext(
        "Too many wrong codes. Please wait %(seconds)d second and try again.",
        "Too many wrong codes. Please wait %(seconds)d seconds and try again.",
        seconds,
    ) % {"seconds": seconds}


@second_factor_pending
def two_factor_setup(request):
    if _confirmed_device(request.user) is not None:
        return redirect(f"{_verify_url()}?{urlencode({'next': _next_url(request)})}")
    with transaction.atomic():
        device = (TOTPDevice.objects.select_for_update()
                  .filter(user=request.user, confirmed=False).order_by("pk").first())
        if device is None:
            device = TOTPDevice.objects.create(user=request.user, name=DEVICE_NAME, confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        locked = _locked_message(device)
        if locked:
            form.add_error("token", locked)
        elif device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            audit_record(actor=request.user, action="two_factor_enrolled", object_type="user",
                         object_id=request.user.pk, on_commit=False)
            messages.success(request, _("Two-step sign-in is set up. From now on you will be asked "
                                        "for a code after your password."))
            return redirect(_next_url(request))
        else:
            form.add_error("token", _("The code is not correct. Check the clock of your phone "
                                      "and enter the code the app shows now."))
    uri = _otpauth_uri(device, request.user)
    return render(request, "security/two_factor_setup.html", {
        "form": form, "qr_data_uri": _qr_data_uri(uri), "secret": _grouped_secret(device),
        "next": _next_url(request),
    })


@second_factor_pending
def two_factor_verify(request):
    device = _confirmed_device(request.user)
    if device is None:
        return redirect(f"{_setup_url()}?{urlencode({'next': _next_url(request)})}")
    if getattr(request.user, "is_verified", lambda: False)():
        return redirect(_next_url(request))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        locked = _locked_message(device)
        if locked:
            form.add_error("token", locked)
        elif device.verify_token(form.cleaned_data["token"]):
            otp_login(request, device)
            return redirect(_next_url(request))
        else:
            form.add_error("token", _("The code is not correct. Check the clock of your phone "
                                      "and enter the code the app shows now."))
    status = 200 if not form.errors else 400
    return render(request, "security/two_factor_verify.html",
                  {"form": form, "next": _next_url(request)}, status=status)


def _verify_url() -> str:
    from django.urls import reverse

    return reverse("security_2fa_verify")


def _setup_url() -> str:
    from django.urls import reverse

    return reverse("security_2fa_setup")
