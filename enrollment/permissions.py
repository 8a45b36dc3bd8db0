"""Who may use which page: one table, per URL name, like eVaka's Action.kt.

Every URL pattern of the project is declared in ``URL_ACCESS`` with the set of roles that may use
it. Views that are not public carry one of the decorators below, and ``check_url_access()``
verifies that every pattern is declared and that each decorated view agrees with its declaration,
so the table and the code cannot drift apart silently (tests/web/test_permissions.py runs it).

Roles of a request:
  anonymous     not logged in
  family        a household's account
  staff_read    any school-affairs staff (full or read-only)
  staff_write   staff with full access; read-only staff lack it
  operator      a club operator's account, scoped to its own clubs by the views

Answers for the wrong role: an anonymous visitor is sent to the login page that fits the page
(families to /login/, staff and operators to /staff/login/); a logged-in user of another role
gets 404, so a family never learns which staff or operator pages exist; read-only staff on a page
that changes data get 403, because they know the page exists and need to be told why not.
"""

from __future__ import annotations

import functools
from typing import Callable, Iterable, Iterator

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.http import urlencode
from django.urls import URLPattern, URLResolver, get_resolver, reverse

ANONYMOUS = "anonymous"
FAMILY = "family"
STAFF_READ_ROLE = "staff_read"
STAFF_WRITE_ROLE = "staff_write"
OPERATOR_ROLE = "operator"

ALL_ROLES = frozenset({ANONYMOUS, FAMILY, STAFF_READ_ROLE, STAFF_WRITE_ROLE, OPERATOR_ROLE})

# Role sets used in the table. Names say who gets in.
PUBLIC = ALL_ROLES
SIGNED_IN = frozenset({FAMILY, STAFF_READ_ROLE, OPERATOR_ROLE})
FAMILY_ONLY = frozenset({FAMILY})
STAFF_READ = frozenset({STAFF_READ_ROLE})
STAFF_WRITE = frozenset({STAFF_WRITE_ROLE})
OPERATOR = frozenset({OPERATOR_ROLE})
# Staff and operators half-way through sign-in (password given, TOTP code not yet): only the
# two-factor pages accept them (enrollment/views/security.py).
STAFF_OR_OPERATOR_UNVERIFIED = frozenset({STAFF_READ_ROLE, OPERATOR_ROLE})

# URL name -> roles allowed. Keep it flat and sorted by area; add a line with every new route.
URL_ACCESS: dict[str, frozenset[str]] = {
    # Public pages and sign-in
    "home": PUBLIC,
    "login": PUBLIC,
    "staff_login": PUBLIC,
    "logout": PUBLIC,
    "password_reset": PUBLIC,
    "password_reset_done": PUBLIC,
    "password_reset_confirm": PUBLIC,
    "password_reset_complete": PUBLIC,
    # Any signed-in account
    "password_change": SIGNED_IN,
    "password_change_done": SIGNED_IN,
    # Two-factor sign-in for staff and operators (T): reachable after the password, before the code.
    "security_2fa_setup": STAFF_OR_OPERATOR_UNVERIFIED,
    "security_2fa_verify": STAFF_OR_OPERATOR_UNVERIFIED,
    # Families
    "family_home": FAMILY_ONLY,
    # Families: the application and everything after it (F2)
    "family_apply_start": FAMILY_ONLY,
    "family_apply_choices": FAMILY_ONLY,
    "family_apply_kokoa": FAMILY_ONLY,
    "family_apply_documents": FAMILY_ONLY,
    "family_document_remove": FAMILY_ONLY,
    "family_apply_confirm": FAMILY_ONLY,
    "family_apply_receipt": FAMILY_ONLY,
    "family_application": FAMILY_ONLY,
    "family_application_withdraw": FAMILY_ONLY,
    "family_offer_accept": FAMILY_ONLY,
    "family_offer_decline": FAMILY_ONLY,
    "family_enrollment_withdraw": FAMILY_ONLY,
    "family_application_change": FAMILY_ONLY,
    "family_document_download": FAMILY_ONLY,
    "family_letter_download": FAMILY_ONLY,
    # Families: account and household (F1). Sign-up, confirmation and invitations are for
    # people without a working sign-in yet.
    "family_signup": PUBLIC,
    "family_signup_done": PUBLIC,
    "family_confirm_resend": PUBLIC,
    "family_confirm_email": PUBLIC,
    "family_invitation_accept": PUBLIC,
    "family_account": FAMILY_ONLY,
    "family_invite": FAMILY_ONLY,
    "family_household": FAMILY_ONLY,
    "family_household_edit": FAMILY_ONLY,
    "family_guardian_add": FAMILY_ONLY,
    "family_guardian_edit": FAMILY_ONLY,
    "family_guardian_remove": FAMILY_ONLY,
    "family_child_add": FAMILY_ONLY,
    "family_child_edit": FAMILY_ONLY,
    "family_child_remove": FAMILY_ONLY,
    # School-affairs staff
    "staff_dashboard": STAFF_READ,
    # Staff: processing applications and imports (G1). Detail pages are read by all staff;
    # every change is its own POST route for full staff only.
    "staff_application_list": STAFF_READ,
    "staff_application_detail": STAFF_READ,
    "staff_application_accept": STAFF_WRITE,
    "staff_application_return": STAFF_WRITE,
    "staff_application_adjust": STAFF_WRITE,
    "staff_application_recompute": STAFF_WRITE,
    "staff_document_file": STAFF_READ,
    "staff_document_review": STAFF_WRITE,
    "staff_paper_application": STAFF_WRITE,
    "staff_import": STAFF_WRITE,
    "staff_import_confirm": STAFF_WRITE,
    # Staff: setting up a year (G1). Edit pages are shown to read-only staff (view only) and
    # refuse their POST with ensure_can_change.
    "staff_setup": STAFF_READ,
    "staff_setup_year_create": STAFF_WRITE,
    "staff_setup_organisation": STAFF_READ,
    "staff_setup_org_new": STAFF_READ,
    "staff_setup_org_edit": STAFF_READ,
    "staff_setup_clubs": STAFF_READ,
    "staff_setup_club_new": STAFF_READ,
    "staff_setup_club_capacity": STAFF_READ,
    "staff_setup_club_edit": STAFF_READ,
    "staff_setup_year": STAFF_READ,
    "staff_setup_rules": STAFF_READ,
    "staff_setup_rules_edit": STAFF_WRITE,
    "staff_setup_rules_copy": STAFF_WRITE,
    "staff_setup_rounds": STAFF_READ,
    "staff_setup_round_new": STAFF_READ,
    "staff_setup_round_edit": STAFF_READ,
    "staff_setup_round_open": STAFF_WRITE,
    "staff_setup_round_close": STAFF_WRITE,
    "staff_setup_kokoa": STAFF_READ,
    "staff_setup_kokoa_programme_new": STAFF_READ,
    "staff_setup_kokoa_programme_edit": STAFF_READ,
    "staff_setup_kokoa_session_new": STAFF_READ,
    "staff_setup_kokoa_session_edit": STAFF_READ,
    # Staff: notification letters (B2). All staff read and download; issuing, reissuing and
    # saving wording are for full staff (the wording editor refuses read-only POSTs itself).
    "staff_letters": STAFF_READ,
    "staff_letter_run": STAFF_READ,
    "staff_letter_batch_create": STAFF_WRITE,
    "staff_letter_batch_pdf": STAFF_READ,
    "staff_letter_decision_issue": STAFF_WRITE,
    "staff_letter_templates": STAFF_READ,
    "staff_letter_template_edit": STAFF_READ,
    "staff_letter_template_preview": STAFF_READ,
    "staff_letter_detail": STAFF_READ,
    "staff_letter_pdf": STAFF_READ,
    "staff_letter_reissue": STAFF_WRITE,
    "staff_letter_issue": STAFF_WRITE,
    # Staff: allocation runs, later rounds, statistics and planning (G2). The runs page shows
    # the start form to every staff member and refuses read-only staff's POST (ensure_can_change).
    "staff_rounds": STAFF_READ,
    "staff_runs": STAFF_READ,
    "staff_run_compare": STAFF_READ,
    "staff_round_publish": STAFF_WRITE,
    "staff_round_promote": STAFF_WRITE,
    "staff_run": STAFF_READ,
    "staff_run_commit": STAFF_WRITE,
    "staff_kokoa_sessions": STAFF_READ,
    "staff_kokoa_programme": STAFF_READ,  # the allocate form: ensure_can_change on POST
    "staff_stats": STAFF_READ,
    "staff_stats_xlsx": STAFF_READ,
    "staff_stats_csv": STAFF_READ,
    # Club operators
    "operator_home": OPERATOR,
    "operator_roster": OPERATOR,
    "operator_roster_xlsx": OPERATOR,
    "operator_roster_pdf": OPERATOR,
    "operator_kokoa_programme": OPERATOR,
    "operator_kokoa_session": OPERATOR,
    "operator_kokoa_check_in": OPERATOR,
}

# URL namespaces that are not ours to declare: Django's admin guards itself (is_staff), and
# i18n/ holds only set_language, which is public by nature.
UNDECLARED_PREFIXES = ("admin/", "i18n/")


def user_roles(user) -> frozenset[str]:
    """The roles a user holds. Full staff hold both staff roles: writing implies reading."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset({ANONYMOUS})
    if user.is_family:
        return frozenset({FAMILY})
    if user.is_operator:
        return frozenset({OPERATOR_ROLE})
    if user.is_city_staff:
        if user.can_change:
            return frozenset({STAFF_READ_ROLE, STAFF_WRITE_ROLE})
        return frozenset({STAFF_READ_ROLE})
    return frozenset({ANONYMOUS})


def may_use(user, url_name: str) -> bool:
    """Whether the user may open the page named ``url_name``; False for undeclared names."""
    allowed = URL_ACCESS.get(url_name)
    return allowed is not None and bool(user_roles(user) & allowed)


def role_home_url(user) -> str:
    """Where a user lands after login, and where the header's home link points."""
    roles = user_roles(user)
    if FAMILY in roles:
        return reverse("family_home")
    if STAFF_READ_ROLE in roles:
        return reverse("staff_dashboard")
    if OPERATOR_ROLE in roles:
        return reverse("operator_home")
    return reverse("home")


def login_url_for(allowed: Iterable[str]) -> str:
    """Families sign in on /login/; pages only staff or operators use send them to /staff/login/."""
    return reverse("login") if FAMILY in allowed else reverse("staff_login")


def _deny_anonymous(request, allowed: frozenset[str]):
    login_url = login_url_for(allowed)
    if getattr(request, "htmx", False):
        # A redirect answered to an htmx request would be followed by the XHR and the login page
        # swapped into a fragment of the page; ask htmx to navigate the whole window instead.
        from django_htmx.http import HttpResponseClientRedirect

        next_path = request.htmx.current_url_abs_path or "/"
        return HttpResponseClientRedirect(f"{login_url}?{urlencode({'next': next_path})}")
    return redirect_to_login(request.get_full_path(), login_url)


def needs_second_factor(request) -> bool:
    """Whether this staff or operator session has yet to confirm a TOTP code (settings.REQUIRE_2FA)."""
    from django.conf import settings

    if not getattr(settings, "REQUIRE_2FA", False):
        return False
    roles = user_roles(request.user)
    if not roles & {STAFF_READ_ROLE, OPERATOR_ROLE}:
        return False
    is_verified = getattr(request.user, "is_verified", None)
    return not (callable(is_verified) and is_verified())


def _ask_second_factor(request):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    has_device = TOTPDevice.objects.filter(user=request.user, confirmed=True).exists()
    target = reverse("security_2fa_verify" if has_device else "security_2fa_setup")
    if getattr(request, "htmx", False):
        from django_htmx.http import HttpResponseClientRedirect

        next_path = request.htmx.current_url_abs_path or "/"
        return HttpResponseClientRedirect(f"{target}?{urlencode({'next': next_path})}")
    next_path = request.get_full_path() if request.method == "GET" else role_home_url(request.user)
    from django.shortcuts import redirect

    return redirect(f"{target}?{urlencode({'next': next_path})}")


def check_roles(request, allowed: frozenset[str], *, second_factor: bool = True):
    """Enforce ``allowed`` for this request: None when allowed, else a response or an exception.

    The single decision point behind every decorator. Staff and operator pages also require a
    verified TOTP device when settings.REQUIRE_2FA is on; ``second_factor=False`` is only for the
    pages that set one up or check it.
    """
    roles = user_roles(request.user)
    if roles & allowed:
        if second_factor and allowed & {STAFF_READ_ROLE, STAFF_WRITE_ROLE, OPERATOR_ROLE} \
                and needs_second_factor(request):
            return _ask_second_factor(request)
        return None
    if ANONYMOUS in roles:
        return _deny_anonymous(request, allowed)
    if STAFF_READ_ROLE in roles and STAFF_WRITE_ROLE in allowed:
        raise PermissionDenied("read-only staff cannot change data")
    raise Http404()


def _requires(allowed: frozenset[str], *, second_factor: bool = True) -> Callable:
    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            denied = check_roles(request, allowed, second_factor=second_factor)
            if denied is not None:
                return denied
            return view(request, *args, **kwargs)

        wrapped.access_roles = allowed
        return wrapped

    return decorator


family_required = _requires(FAMILY_ONLY)
operator_required = _requires(OPERATOR)
signed_in_required = _requires(SIGNED_IN)
# Only for the two-factor setup and verification pages themselves.
second_factor_pending = _requires(STAFF_OR_OPERATOR_UNVERIFIED, second_factor=False)


def staff_required(view=None, *, write: bool = False):
    """``@staff_required`` or ``@staff_required(write=True)`` for views that change data.

    A view that shows a page to read-only staff but also accepts changes (a detail page with an
    action form) uses ``write=False`` and calls ``ensure_can_change(request.user)`` on POST.
    """
    decorator = _requires(STAFF_WRITE if write else STAFF_READ)
    if view is not None:
        return decorator(view)
    return decorator


def ensure_can_change(user) -> None:
    """403 for read-only staff inside a staff view that both shows and changes data."""
    if STAFF_WRITE_ROLE not in user_roles(user):
        raise PermissionDenied("read-only staff cannot change data")


def iter_url_patterns(resolver: URLResolver | None = None, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    """Every concrete URL pattern with its full route, descending into included URLconfs."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from iter_url_patterns(entry, route)
        else:
            yield route, entry


def check_url_access(resolver: URLResolver | None = None) -> list[str]:
    """Problems with the access table: empty means every URL is declared and consistent.

    Fails on a pattern without a name or declaration, on a declaration for a name no pattern has
    (a stale line would hide a renamed route), and on a decorated view whose decorator allows
    other roles than the table says.
    """
    problems: list[str] = []
    seen_names: set[str] = set()
    for route, pattern in iter_url_patterns(resolver):
        if route.startswith(UNDECLARED_PREFIXES):
            continue
        name = pattern.name
        if not name:
            problems.append(f"{route!r} has no URL name, so it cannot be declared in URL_ACCESS")
            continue
        seen_names.add(name)
        declared = URL_ACCESS.get(name)
        if declared is None:
            problems.append(f"{route!r} ({name}) is not declared in URL_ACCESS")
            continue
        enforced = getattr(pattern.callback, "access_roles", None)
        if enforced is None and declared != PUBLIC:
            problems.append(f"{route!r} ({name}) is declared for {sorted(declared)} "
                            "but its view has no access decorator")
        elif enforced is not None and enforced != declared:
            problems.append(f"{route!r} ({name}) is declared for {sorted(declared)} "
                            f"but its view enforces {sorted(enforced)}")
    for name in sorted(set(URL_ACCESS) - seen_names):
        problems.append(f"URL_ACCESS declares {name!r}, but no URL pattern has that name")
    return problems
