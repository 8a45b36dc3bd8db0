"""Writes of a family's account, household, guardians and children.

Each function checks permission (the actor is a family and the object is of its household),
then the state, then writes in one transaction, then audits (ids only). E-mails are sent after
the transaction commits, so a rolled-back sign-up never mails a link that leads nowhere.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
import uuid

from django.conf import settings
from django.contrib.auth import password_validation
from django.core import signing
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from enrollment.forms.household import REASON_FIELD_NAMES, fields_for_reason
from enrollment.mail import send_after_commit
from enrollment.models import Child, Guardian, Household, HouseholdInvitation, User
from enrollment.services import PermissionDenied, ServiceError
from enrollment.services.audit import audit_record

CONFIRM_SALT = "enrollment.family.confirm-email"
CONFIRM_MAX_AGE = datetime.timedelta(days=3)
INVITATION_LIFETIME = datetime.timedelta(days=7)
MAX_GUARDIANS = 2
MAX_CHILDREN = 10
MAX_ACCOUNTS_PER_HOUSEHOLD = 2

MSG_NOT_FAMILY = _("Only a family's own account can change its household.")
MSG_NO_HOUSEHOLD = _("Enter your household's address first.")
MSG_NOT_YOURS = _("This record does not belong to your household.")
MSG_TOO_MANY_GUARDIANS = _("A household has at most two guardians.")
MSG_SINGLE_PARENT_ONE_GUARDIAN = _(
    "Your household is marked as single-parent, so it has one guardian. Change that on the household "
    "page first if two guardians care for the children.")
MSG_LAST_GUARDIAN = _("A household needs at least one guardian. Add the other guardian before removing this one.")
MSG_TOO_MANY_CHILDREN = _("A household can register at most 10 children here. Contact the city office.")
MSG_CHILD_HAS_APPLICATION = _(
    "%(name)s has an application, so the child cannot be removed. Withdraw the application first, "
    "or ask the city office.")
MSG_LINK_INVALID = _("This link is not valid. Copy the whole link from the e-mail, or ask for a new one.")
MSG_LINK_EXPIRED = _("This link has expired. Ask for a new one.")
MSG_ALREADY_CONFIRMED = _("This address is already confirmed. You can sign in.")
MSG_INVITATION_USED = _("This invitation has already been used. Sign in with the address it was sent to.")
MSG_INVITATION_EXPIRED = _("This invitation has expired. Ask the other guardian to send a new one.")
MSG_ADDRESS_TAKEN = _("An account with this address already exists. Sign in with it, or use another address.")
MSG_ENOUGH_ACCOUNTS = _("Your household already has two accounts, one per guardian.")
MSG_INVITE_SELF = _("This is your own address. Enter the other guardian's address.")

HOUSEHOLD_FIELDS = (
    "postal_code", "address", "address_extra", "phone", "emergency_contact_name", "emergency_contact_phone",
    "single_parent", "public_assistance", "resident_tax_exempt", "grandparent_at_home",
    "income_tax_previous", "income_tax_current",
)
GUARDIAN_FIELDS = (
    "family_name", "given_name", "family_kana", "given_kana", "relationship", "phone", "employer", "reason",
    "posted_away", *sorted(REASON_FIELD_NAMES),
)
CHILD_FIELDS = (
    "family_name", "given_name", "family_kana", "given_kana", "birth_date", "school", "needs_support",
    "support_notes", "care_notes", "care_notes_shared",
)


# --- helpers ------------------------------------------------------------------------------------

def _require_family(actor) -> None:
    if actor is None or not actor.is_authenticated or not actor.is_family:
        raise PermissionDenied(MSG_NOT_FAMILY, code="not_family")


def _require_household(actor) -> Household:
    _require_family(actor)
    if actor.household_id is None:
        raise ServiceError(MSG_NO_HOUSEHOLD, code="no_household")
    # Locked: two guardians' sessions adding people at once must see each other's rows.
    return Household.objects.select_for_update().get(pk=actor.household_id)


def _require_own(actor, obj) -> None:
    _require_family(actor)
    if actor.household_id is None or obj.household_id != actor.household_id:
        raise PermissionDenied(MSG_NOT_YOURS, code="not_yours")


def _assign(obj, data: dict, names) -> None:
    for name in names:
        if name in data:
            setattr(obj, name, data[name])


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _send(template: str, *, to: str, context: dict) -> None:
    """Render ``emails/<template>.txt`` (subject on the first line) and send after commit."""
    with translation.override(translation.get_language() or settings.LANGUAGE_CODE):
        text = render_to_string(f"emails/{template}.txt", context)
    subject, _sep, body = text.strip().partition("\n")
    send_after_commit(subject=subject.strip(), body=body.strip() + "\n", to=[to])


# --- account ------------------------------------------------------------------------------------

def confirmation_token(user: User) -> str:
    """Signed, time-limited; tied to the address so a changed address voids old links."""
    return signing.dumps({"u": str(user.public_id), "e": user.email}, salt=CONFIRM_SALT, compress=True)


def _confirmation_mail(user: User, *, site_url: str) -> None:
    link = site_url.rstrip("/") + reverse("family_confirm_email", args=[confirmation_token(user)])
    _send("family_confirm", to=user.email, context={"link": link, "days": CONFIRM_MAX_AGE.days})


@transaction.atomic
def account_signup(*, email: str, password: str, site_url: str) -> User | None:
    """A new family account that can sign in once its address is confirmed.

    The answer is the same whether or not the address already has an account, so the sign-up
    page cannot be used to find out who is registered; the owner of an existing address gets an
    e-mail that says so instead of a confirmation link (or a fresh link if never confirmed).
    """
    email = email.strip().lower()
    existing = User.objects.filter(email=email).first()
    if existing is not None:
        if existing.is_family and existing.email_confirmed_at is None and not existing.is_active:
            _confirmation_mail(existing, site_url=site_url)
        else:
            _send("family_already_registered", to=email,
                  context={"login": site_url.rstrip("/") + reverse("login"),
                           "reset": site_url.rstrip("/") + reverse("password_reset")})
        return None
    password_validation.validate_password(password, User(email=email, role=User.Role.FAMILY))
    try:
        with transaction.atomic():
            user = User.objects.create_user(email, password, role=User.Role.FAMILY, is_active=False)
    except IntegrityError:
        # Two sign-ups for one address at the same instant: the other one won.
        return None
    audit_record(actor=None, action="account.signup", obj=user)
    _confirmation_mail(user, site_url=site_url)
    return user


@transaction.atomic
def account_confirmation_resend(*, email: str, site_url: str) -> None:
    """A new link for an unconfirmed account; silent for any other address (no enumeration)."""
    user = User.objects.filter(email=email.strip().lower(), role=User.Role.FAMILY,
                               email_confirmed_at__isnull=True, is_active=False).first()
    if user is not None:
        _confirmation_mail(user, site_url=site_url)


def _user_for_token(token: str) -> User:
    try:
        payload = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.SignatureExpired:
        raise ServiceError(MSG_LINK_EXPIRED, code="expired") from None
    except (signing.BadSignature, ValueError, TypeError, UnicodeError):
        raise ServiceError(MSG_LINK_INVALID, code="invalid") from None
    if not isinstance(payload, dict):
        raise ServiceError(MSG_LINK_INVALID, code="invalid")
    user = User.objects.filter(public_id=_uuid_or_none(payload.get("u")), role=User.Role.FAMILY).first()
    if user is None or user.email != payload.get("e"):
        raise ServiceError(MSG_LINK_INVALID, code="invalid")
    return user


def _uuid_or_none(value):
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError):
        return None


def account_confirmation_check(*, token: str) -> User:
    """The account a confirmation link is for, or a ServiceError saying what is wrong with it."""
    user = _user_for_token(token)
    if user.email_confirmed_at is not None:
        raise ServiceError(MSG_ALREADY_CONFIRMED, code="already_confirmed")
    return user


@transaction.atomic
def account_confirm_email(*, token: str) -> User:
    user = account_confirmation_check(token=token)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.email_confirmed_at is not None:
        raise ServiceError(MSG_ALREADY_CONFIRMED, code="already_confirmed")
    # An account deactivated by the city has a confirmed address, so it never reaches this line.
    user.email_confirmed_at = timezone.now()
    user.is_active = True
    user.save(update_fields=["email_confirmed_at", "is_active"])
    audit_record(actor=user, action="account.confirm_email", obj=user)
    return user


@transaction.atomic
def account_update(*, actor, display_name: str) -> User:
    _require_family(actor)
    actor.display_name = display_name.strip()
    actor.save(update_fields=["display_name"])
    audit_record(actor=actor, action="account.update", obj=actor)
    return actor


# --- invitations --------------------------------------------------------------------------------

@transaction.atomic
def invitation_create(*, actor, email: str, site_url: str, now=None) -> HouseholdInvitation:
    household = _require_household(actor)
    email = email.strip().lower()
    if email == actor.email:
        raise ServiceError(MSG_INVITE_SELF, code="self")
    if household.users.count() >= MAX_ACCOUNTS_PER_HOUSEHOLD:
        raise ServiceError(MSG_ENOUGH_ACCOUNTS, code="enough_accounts")
    if User.objects.filter(email=email).exists():
        raise ServiceError(MSG_ADDRESS_TAKEN, code="address_taken")
    now = now or timezone.now()
    # A new invitation replaces any open one: only the newest link works.
    household.invitations.filter(accepted_at__isnull=True).delete()
    token = secrets.token_urlsafe(32)
    invitation = HouseholdInvitation.objects.create(
        household=household, email=email, token_hash=_hash_token(token), invited_by=actor,
        expires_at=now + INVITATION_LIFETIME)
    link = site_url.rstrip("/") + reverse("family_invitation_accept", args=[token])
    _send("family_invitation", to=email, context={"link": link, "days": INVITATION_LIFETIME.days,
                                                  "inviter": actor.display_name or actor.email})
    audit_record(actor=actor, action="invitation.create", obj=invitation, related={"household": household.pk})
    return invitation


def invitation_for_token(token: str, *, now=None) -> HouseholdInvitation:
    """The open invitation a link is for, or a ServiceError saying why not."""
    invitation = HouseholdInvitation.objects.filter(token_hash=_hash_token(str(token))).first()
    if invitation is None:
        raise ServiceError(MSG_LINK_INVALID, code="invalid")
    if invitation.accepted_at is not None:
        raise ServiceError(MSG_INVITATION_USED, code="used")
    if invitation.expires_at <= (now or timezone.now()):
        raise ServiceError(MSG_INVITATION_EXPIRED, code="expired")
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, password: str, now=None) -> User:
    """The invited guardian's own login, attached to the household; the address is proven by
    the link, so the account is confirmed at once."""
    invitation = invitation_for_token(token, now=now)
    invitation = HouseholdInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ServiceError(MSG_INVITATION_USED, code="used")
    if User.objects.filter(email=invitation.email).exists():
        raise ServiceError(MSG_ADDRESS_TAKEN, code="address_taken")
    household = Household.objects.select_for_update().get(pk=invitation.household_id)
    if household.users.count() >= MAX_ACCOUNTS_PER_HOUSEHOLD:
        raise ServiceError(MSG_ENOUGH_ACCOUNTS, code="enough_accounts")
    password_validation.validate_password(password, User(email=invitation.email, role=User.Role.FAMILY))
    now = now or timezone.now()
    user = User.objects.create_user(invitation.email, password, role=User.Role.FAMILY, household=household,
                                    email_confirmed_at=now)
    invitation.accepted_at = now
    invitation.save(update_fields=["accepted_at"])
    audit_record(actor=user, action="invitation.accept", obj=invitation, related={"household": household.pk})
    return user


# --- household ----------------------------------------------------------------------------------

@transaction.atomic
def household_save(*, actor, data: dict) -> Household:
    """Create the household on the family's first save (one account per household), else update."""
    _require_family(actor)
    actor = User.objects.select_for_update().get(pk=actor.pk)
    if actor.household_id is None:
        household = Household()
        created = True
    else:
        household = Household.objects.select_for_update().get(pk=actor.household_id)
        created = False
        if data.get("single_parent") and household.guardians.count() > 1:
            raise ServiceError(MSG_SINGLE_PARENT_ONE_GUARDIAN, code="single_parent")
    _assign(household, data, HOUSEHOLD_FIELDS)
    household.full_clean()
    household.save()
    if created:
        actor.household = household
        actor.save(update_fields=["household"])
    audit_record(actor=actor, action="household.create" if created else "household.update", obj=household)
    return household


def _clear_other_reasons(guardian: Guardian) -> None:
    """Details of a reason the guardian no longer gives are not kept (they would mislead staff)."""
    keep = fields_for_reason(guardian.reason)
    for name in REASON_FIELD_NAMES - keep:
        field = Guardian._meta.get_field(name)
        setattr(guardian, name, False if field.get_internal_type() == "BooleanField"
                else "" if field.get_internal_type() == "CharField" else None)


@transaction.atomic
def guardian_add(*, actor, data: dict) -> Guardian:
    household = _require_household(actor)
    count = household.guardians.count()
    if count >= MAX_GUARDIANS:
        raise ServiceError(MSG_TOO_MANY_GUARDIANS, code="too_many")
    if count >= 1 and household.single_parent:
        raise ServiceError(MSG_SINGLE_PARENT_ONE_GUARDIAN, code="single_parent")
    taken = set(household.guardians.values_list("order", flat=True))
    guardian = Guardian(household=household, order=min({1, 2} - taken))
    _assign(guardian, data, GUARDIAN_FIELDS)
    _clear_other_reasons(guardian)
    guardian.full_clean()
    guardian.save()
    audit_record(actor=actor, action="guardian.add", obj=guardian, related={"household": household.pk})
    return guardian


@transaction.atomic
def guardian_update(*, actor, guardian: Guardian, data: dict) -> Guardian:
    _require_own(actor, guardian)
    _require_household(actor)
    guardian = Guardian.objects.select_for_update().get(pk=guardian.pk)
    _assign(guardian, data, GUARDIAN_FIELDS)
    _clear_other_reasons(guardian)
    guardian.full_clean()
    guardian.save()
    audit_record(actor=actor, action="guardian.update", obj=guardian, related={"household": guardian.household_id})
    return guardian


@transaction.atomic
def guardian_remove(*, actor, guardian: Guardian) -> None:
    _require_own(actor, guardian)
    household = _require_household(actor)
    if household.guardians.count() <= 1:
        raise ServiceError(MSG_LAST_GUARDIAN, code="last_guardian")
    pk = guardian.pk
    guardian.delete()
    # Guardian 1 is the main contact on letters; the one who stays becomes guardian 1.
    household.guardians.filter(order=2).update(order=1)
    audit_record(actor=actor, action="guardian.remove", object_type="guardian", object_id=pk,
                 related={"household": household.pk})


# --- children -----------------------------------------------------------------------------------

@transaction.atomic
def child_add(*, actor, data: dict) -> Child:
    household = _require_household(actor)
    if household.children.count() >= MAX_CHILDREN:
        raise ServiceError(MSG_TOO_MANY_CHILDREN, code="too_many")
    child = Child(household=household)
    _assign(child, data, CHILD_FIELDS)
    child.full_clean()
    child.save()
    audit_record(actor=actor, action="child.add", obj=child, related={"household": household.pk})
    return child


@transaction.atomic
def child_update(*, actor, child: Child, data: dict) -> Child:
    _require_own(actor, child)
    _require_household(actor)
    child = Child.objects.select_for_update().get(pk=child.pk)
    _assign(child, data, CHILD_FIELDS)
    child.full_clean()
    child.save()
    audit_record(actor=actor, action="child.update", obj=child, related={"household": child.household_id})
    return child


@transaction.atomic
def child_remove(*, actor, child: Child) -> None:
    _require_own(actor, child)
    household = _require_household(actor)
    # Applications, places and KoKoA records hang on the child (and would cascade away with it):
    # the city's decisions must outlive a family's tidy-up.
    if (child.applications.exists() or child.enrollments.exists()
            or child.kokoa_registrations.exists()):
        raise ServiceError(MSG_CHILD_HAS_APPLICATION % {"name": child.full_name}, code="has_application")
    pk = child.pk
    child.delete()
    audit_record(actor=actor, action="child.remove", object_type="child", object_id=pk,
                 related={"household": household.pk})
