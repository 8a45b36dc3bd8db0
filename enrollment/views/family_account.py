"""A family's account: sign-up, e-mail confirmation, inviting the second guardian, settings.

Sign-in, sign-out and password reset are the shell's (``views/auth.py``). A new account stays
inactive until its address is confirmed, so the shell's sign-in refuses it until then.
"""

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from enrollment.forms.account import (
    AccountSettingsForm,
    InvitationAcceptForm,
    InvitationForm,
    ResendConfirmationForm,
    SignupForm,
)
from enrollment.permissions import family_required, role_home_url
from enrollment.services import ServiceError
from enrollment.services import households as services

BACKEND = "django.contrib.auth.backends.ModelBackend"


def _site_url(request) -> str:
    return request.build_absolute_uri("/")


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect(role_home_url(request.user))
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_signup(email=form.cleaned_data["email"], password=form.cleaned_data["password1"],
                                    site_url=_site_url(request))
        except ValidationError as error:
            form.add_error("password1", error)
        else:
            request.session["signup_email"] = form.cleaned_data["email"]
            return redirect("family_signup_done")
    return render(request, "family/account/signup.html", {"form": form})


def signup_done(request):
    return render(request, "family/account/signup_done.html", {"email": request.session.get("signup_email", "")})


@require_http_methods(["GET", "POST"])
def confirm_email(request, token):
    """GET shows a button, POST confirms: mail scanners that open links must not confirm."""
    try:
        user = services.account_confirmation_check(token=token)
    except ServiceError as error:
        return render(request, "family/account/confirm.html",
                      {"problem": error.message, "code": error.code}, status=400 if error.code != "already_confirmed" else 200)
    if request.method == "POST":
        try:
            user = services.account_confirm_email(token=token)
        except ServiceError as error:
            return render(request, "family/account/confirm.html", {"problem": error.message, "code": error.code},
                          status=400)
        login(request, user, backend=BACKEND)
        messages.success(request, _("Your e-mail address is confirmed. Next, enter your household."))
        return redirect("family_household")
    return render(request, "family/account/confirm.html", {"email": user.email})


@require_http_methods(["GET", "POST"])
def confirm_resend(request):
    form = ResendConfirmationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.account_confirmation_resend(email=form.cleaned_data["email"], site_url=_site_url(request))
        request.session["signup_email"] = form.cleaned_data["email"]
        return redirect("family_signup_done")
    return render(request, "family/account/resend.html", {"form": form})


@require_http_methods(["GET", "POST"])
def invitation_accept(request, token):
    try:
        invitation = services.invitation_for_token(token)
    except ServiceError as error:
        return render(request, "family/account/invitation_accept.html", {"problem": error.message}, status=400)
    form = InvitationAcceptForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(token=token, password=form.cleaned_data["password1"])
        except ValidationError as error:
            form.add_error("password1", error)
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            login(request, user, backend=BACKEND)
            messages.success(request, _("Welcome. You now share your household's page."))
            return redirect("family_household")
    return render(request, "family/account/invitation_accept.html", {"form": form, "invitation": invitation})


@family_required
@require_http_methods(["GET", "POST"])
def account(request):
    form = AccountSettingsForm(request.POST or None, initial={"display_name": request.user.display_name})
    if request.method == "POST" and form.is_valid():
        services.account_update(actor=request.user, display_name=form.cleaned_data["display_name"])
        messages.success(request, _("Your settings are saved."))
        return redirect("family_account")
    household = request.user.household
    context = {
        "form": form,
        "household": household,
        "members": household.users.order_by("date_joined") if household else [],
        "open_invitations": household.invitations.filter(accepted_at__isnull=True).order_by("-created_at")
        if household else [],
        "invite_form": InvitationForm(),
    }
    return render(request, "family/account/settings.html", context)


@family_required
@require_http_methods(["GET", "POST"])
def invite(request):
    if request.user.household_id is None:
        messages.error(request, _("Enter your household's address first."))
        return redirect("family_household_edit")
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_create(actor=request.user, email=form.cleaned_data["email"],
                                       site_url=_site_url(request))
        except ServiceError as error:
            form.add_error("email", error.message)
        else:
            messages.success(request, _("The invitation is sent. The link in it works for 7 days."))
            return redirect("family_account")
    return render(request, "family/account/invite.html", {"form": form})
