"""The access table: every URL declared, and each role answered as the table says."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.test import RequestFactory
from django.urls import path, reverse

from enrollment import permissions
from enrollment.models import User
from enrollment.permissions import (
    PUBLIC,
    STAFF_READ,
    check_url_access,
    ensure_can_change,
    family_required,
    iter_url_patterns,
    role_home_url,
    staff_required,
    user_roles,
)
from tests import builders



def make_family(email="alice@example.jp"):
    return builders.family_user(email=email)


def make_staff(email="bob@city.example.jp", *, level=User.StaffLevel.FULL):
    return builders.staff_user(email=email, read_only=level == User.StaffLevel.READ_ONLY,
                               display_name="泊江 太郎")


def make_operator(email="charlie@club.example.jp", *, code="OP1"):
    return builders.operator_user(builders.operator(code=code, name="社会福祉法人 こもれび会"), email=email)


# --- the table itself -------------------------------------------------------------------------

def test_it_declares_every_url_pattern_of_the_project():
    assert check_url_access() == []


def test_it_enumerates_included_url_patterns_recursively():
    routes = {route for route, _pattern in iter_url_patterns()}
    assert "staff/login/" in routes
    assert "password-reset/<uidb64>/<token>/" in routes
    assert any(route.startswith("admin/") for route in routes)


def _view(request):
    return HttpResponse("ok")


urlpatterns_with_gaps = [
    path("declared/", _view, name="home"),
    path("undeclared/", _view, name="not_in_the_table"),
    path("anonymous/", _view),
    path("mismatch/", staff_required(_view, write=True), name="staff_dashboard"),
]


class _FakeURLConf:
    urlpatterns = urlpatterns_with_gaps


def test_it_reports_undeclared_unnamed_and_inconsistent_patterns():
    from django.urls import get_resolver

    problems = "\n".join(check_url_access(get_resolver(_FakeURLConf)))
    assert "(not_in_the_table) is not declared" in problems
    assert "'anonymous/' has no URL name" in problems
    assert "(staff_dashboard) is declared for ['staff_read'] but its view enforces ['staff_write']" in problems
    assert "URL_ACCESS declares 'family_home', but no URL pattern has that name" in problems


def test_it_reports_a_non_public_declaration_whose_view_has_no_decorator(monkeypatch):
    from django.urls import get_resolver

    monkeypatch.setitem(permissions.URL_ACCESS, "home", STAFF_READ)
    problems = "\n".join(check_url_access(get_resolver(_FakeURLConf)))
    assert "(home) is declared for ['staff_read'] but its view has no access decorator" in problems


# --- roles ------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_it_gives_full_staff_both_staff_roles_and_read_only_staff_only_reading():
    assert user_roles(make_staff()) == {"staff_read", "staff_write"}
    assert user_roles(make_staff("dave@city.example.jp", level=User.StaffLevel.READ_ONLY)) == {"staff_read"}


@pytest.mark.django_db
def test_it_treats_a_deactivated_account_as_anonymous():
    user = make_family()
    user.is_active = False
    assert user_roles(user) == {"anonymous"}


@pytest.mark.django_db
def test_it_sends_each_role_to_its_own_home():
    assert role_home_url(make_family()) == "/family/"
    assert role_home_url(make_staff()) == "/staff/"
    assert role_home_url(make_operator()) == "/operator/"


# --- answers per role -------------------------------------------------------------------------

ROLE_PAGES = ["family_home", "staff_dashboard", "operator_home"]


@pytest.mark.django_db
@pytest.mark.parametrize("url_name, login_url", [
    ("family_home", "/login/"),
    ("staff_dashboard", "/staff/login/"),
    ("operator_home", "/staff/login/"),
    ("password_change", "/login/"),
])
def test_it_sends_anonymous_visitors_to_the_login_page_that_fits(client, url_name, login_url):
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response["Location"] == f"{login_url}?next={reverse(url_name)}"


@pytest.mark.django_db
def test_it_asks_htmx_to_navigate_the_whole_window_to_login(client):
    response = client.get(reverse("staff_dashboard"), headers={
        "HX-Request": "true", "HX-Current-URL": "http://testserver/staff/?page=2"})
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/staff/login/?next=%2Fstaff%2F%3Fpage%3D2"


@pytest.mark.django_db
@pytest.mark.parametrize("maker, allowed", [
    (make_family, "family_home"),
    (make_staff, "staff_dashboard"),
    (make_operator, "operator_home"),
])
def test_it_answers_404_to_every_other_roles_home(client, maker, allowed):
    client.force_login(maker())
    for url_name in ROLE_PAGES:
        response = client.get(reverse(url_name))
        expected = 200 if url_name == allowed else 404
        assert response.status_code == expected, url_name


@pytest.mark.django_db
def test_it_lets_read_only_staff_read_staff_pages(client):
    client.force_login(make_staff(level=User.StaffLevel.READ_ONLY))
    assert client.get(reverse("staff_dashboard")).status_code == 200


@pytest.mark.django_db
def test_it_refuses_read_only_staff_a_change_with_403_and_family_with_404():
    change_view = staff_required(_view, write=True)
    factory = RequestFactory()

    request = factory.post("/change/")
    request.user = make_staff(level=User.StaffLevel.READ_ONLY)
    with pytest.raises(PermissionDenied):
        change_view(request)

    request.user = make_family()
    with pytest.raises(Http404):
        change_view(request)

    request.user = make_staff("erin@city.example.jp")
    assert change_view(request).content == b"ok"


@pytest.mark.django_db
def test_it_refuses_read_only_staff_inside_a_mixed_view():
    ensure_can_change(make_staff())
    with pytest.raises(PermissionDenied):
        ensure_can_change(make_staff("frank@city.example.jp", level=User.StaffLevel.READ_ONLY))


@pytest.mark.django_db
def test_it_refuses_staff_and_operators_on_family_pages():
    factory = RequestFactory()
    view = family_required(_view)
    for user in (make_staff(), make_operator()):
        request = factory.get("/family/")
        request.user = user
        with pytest.raises(Http404):
            view(request)


def _public_pages_without_parameters():
    names = set()
    for route, pattern in iter_url_patterns():
        if (pattern.name and permissions.URL_ACCESS.get(pattern.name) == PUBLIC
                and "<" not in route and not route.startswith(permissions.UNDECLARED_PREFIXES)):
            names.add(pattern.name)
    # Signing out is a POST only (test_auth covers it).
    return sorted(names - {"logout"})


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", _public_pages_without_parameters())
def test_it_serves_public_pages_to_anonymous_visitors(client, url_name):
    response = client.get(reverse(url_name))
    # 405 is a POST-only public action: reachable, just not by GET.
    assert response.status_code in (200, 405), url_name
