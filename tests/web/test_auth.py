"""Sign-in per role, sign-out, password change and reset, and the staff idle timeout."""

import re
import time

import pytest
from django.core import mail
from django.urls import reverse

from enrollment.middleware import IDLE_TIMEOUT_SECONDS, LAST_ACTIVITY_KEY
from enrollment.models import User
from tests import builders
from tests.builders import PASSWORD

SHELL_MIDDLEWARE = [
    "enrollment.middleware.ContentSecurityPolicyMiddleware",
    "enrollment.middleware.IdleSessionTimeoutMiddleware",
]


def make_family(email="alice@example.jp"):
    return builders.family_user(email=email)


def make_staff(email="bob@city.example.jp", *, level=User.StaffLevel.FULL):
    return builders.staff_user(email=email, read_only=level == User.StaffLevel.READ_ONLY,
                               display_name="泊江 太郎")


def make_operator(email="charlie@club.example.jp", *, code="OP1"):
    return builders.operator_user(builders.operator(code=code, name="社会福祉法人 こもれび会"), email=email)


@pytest.fixture
def shell_middleware(settings):
    # The lead adds these to settings.MIDDLEWARE; until then the tests put them in place.
    missing = [name for name in SHELL_MIDDLEWARE if name not in settings.MIDDLEWARE]
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, *missing]


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


# --- family sign-in ---------------------------------------------------------------------------

@pytest.mark.django_db
def test_it_signs_a_family_in_and_lands_on_the_family_home(client):
    user = make_family()
    response = client.post(reverse("login"), {"username": "alice@example.jp", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/family/"
    assert signed_in_user_id(client) == str(user.pk)


@pytest.mark.django_db
def test_it_accepts_the_address_typed_with_capitals_and_spaces(client):
    make_family()
    response = client.post(reverse("login"), {"username": " Alice@Example.JP ", "password": PASSWORD})
    assert response["Location"] == "/family/"


@pytest.mark.django_db
def test_it_follows_a_safe_next_and_ignores_an_external_one(client):
    make_family()
    response = client.post(reverse("login") + "?next=/account/password/",
                           {"username": "alice@example.jp", "password": PASSWORD})
    assert response["Location"] == "/account/password/"
    client.logout()
    response = client.post(reverse("login") + "?next=https://evil.example/",
                           {"username": "alice@example.jp", "password": PASSWORD})
    assert response["Location"] == "/family/"


@pytest.mark.django_db
def test_it_ignores_a_next_page_the_account_may_not_use(client):
    make_staff()
    response = client.post(reverse("staff_login") + "?next=/family/",
                           {"username": "bob@city.example.jp", "password": PASSWORD})
    assert response["Location"] == "/staff/"


@pytest.mark.django_db
@pytest.mark.parametrize("maker", [make_staff, make_operator])
def test_it_refuses_staff_and_operators_on_the_family_page_like_a_wrong_password(client, maker):
    user = maker()
    refused = client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    wrong_password = client.post(reverse("login"), {"username": user.email, "password": "not-the-password"})
    unknown = client.post(reverse("login"), {"username": "nobody@example.jp", "password": PASSWORD})

    assert refused.status_code == wrong_password.status_code == unknown.status_code == 200
    assert signed_in_user_id(client) is None
    errors = [response.context["form"].non_field_errors() for response in (refused, wrong_password, unknown)]
    assert errors[0] == errors[1] == errors[2]
    assert "メールアドレスまたはパスワード" in str(errors[0])
    assert "職員用ログインページ" in str(errors[0])


# --- staff and operator sign-in ---------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("maker, home", [(make_staff, "/staff/"), (make_operator, "/operator/")])
def test_it_signs_staff_and_operators_in_on_the_staff_page(client, maker, home):
    user = maker()
    response = client.post(reverse("staff_login"), {"username": user.email, "password": PASSWORD})
    assert response["Location"] == home
    assert signed_in_user_id(client) == str(user.pk)


@pytest.mark.django_db
def test_it_refuses_a_family_on_the_staff_page_without_saying_the_account_exists(client):
    make_family()
    refused = client.post(reverse("staff_login"), {"username": "alice@example.jp", "password": PASSWORD})
    unknown = client.post(reverse("staff_login"), {"username": "zoe@example.jp", "password": PASSWORD})
    assert signed_in_user_id(client) is None
    assert refused.context["form"].non_field_errors() == unknown.context["form"].non_field_errors()
    assert "保護者用ログインページ" in refused.content.decode()


@pytest.mark.django_db
def test_it_shows_the_login_error_in_a_summary_and_keeps_the_address(client):
    response = client.post(reverse("login"), {"username": "alice@example.jp", "password": "x"})
    html = response.content.decode()
    assert 'class="error-summary"' in html
    assert 'value="alice@example.jp"' in html


@pytest.mark.django_db
def test_it_sends_a_signed_in_family_from_the_login_page_to_its_home(client):
    client.force_login(make_family())
    response = client.get(reverse("login"))
    assert response["Location"] == "/family/"
    # The staff page stays open to them: someone at a shared PC may need to switch accounts.
    assert client.get(reverse("staff_login")).status_code == 200


# --- sign-out ---------------------------------------------------------------------------------

@pytest.mark.django_db
def test_it_signs_out_only_with_a_post(client):
    client.force_login(make_family())
    assert client.get(reverse("logout")).status_code == 405
    assert signed_in_user_id(client) is not None
    response = client.post(reverse("logout"), follow=True)
    assert signed_in_user_id(client) is None
    assert response.redirect_chain[-1][0] == "/"
    assert "ログアウトしました" in response.content.decode()


@pytest.mark.django_db
def test_it_sends_signed_out_staff_back_to_the_staff_login(client):
    client.force_login(make_staff())
    response = client.post(reverse("logout"))
    assert response["Location"] == "/staff/login/"


# --- passwords --------------------------------------------------------------------------------

@pytest.mark.django_db
def test_it_changes_the_password_of_a_signed_in_user(client):
    user = make_staff()
    client.force_login(user)
    response = client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": "another-long-pass-7781",
        "new_password2": "another-long-pass-7781"})
    assert response["Location"] == reverse("password_change_done")
    user.refresh_from_db()
    assert user.check_password("another-long-pass-7781")


@pytest.mark.django_db
def test_it_resets_a_password_by_e_mail_in_japanese(client):
    user = make_family()
    response = client.post(reverse("password_reset"), {"email": "alice@example.jp"})
    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert "パスワード" in message.subject
    assert "2時間" in message.body
    link = re.search(r"http://testserver(/password-reset/[^/]+/[^/]+/)", message.body).group(1)

    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"] is True
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": "brand-new-pass-5521", "new_password2": "brand-new-pass-5521"})
    assert done["Location"] == reverse("password_reset_complete")
    user.refresh_from_db()
    assert user.check_password("brand-new-pass-5521")
    # A reset link works once.
    assert client.get(link, follow=True).context["validlink"] is False


@pytest.mark.django_db
def test_it_sends_no_mail_and_says_the_same_for_an_unknown_address(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.jp"})
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_it_keeps_reset_links_valid_for_two_hours_only(settings):
    assert settings.PASSWORD_RESET_TIMEOUT == 2 * 60 * 60


# --- idle timeout -----------------------------------------------------------------------------

def _age_session(client, seconds):
    session = client.session
    session[LAST_ACTIVITY_KEY] = time.time() - seconds
    session.save()


@pytest.mark.django_db
@pytest.mark.parametrize("maker, home", [(make_staff, "/staff/"), (make_operator, "/operator/")])
def test_it_signs_staff_and_operators_out_after_30_idle_minutes(client, shell_middleware, maker, home):
    client.force_login(maker())
    assert client.get(home).status_code == 200
    _age_session(client, IDLE_TIMEOUT_SECONDS + 5)
    response = client.get(home)
    assert response.status_code == 302
    assert response["Location"] == f"/staff/login/?next={home}"
    assert signed_in_user_id(client) is None
    login_page = client.get(response["Location"])
    assert "30分" in login_page.content.decode()


@pytest.mark.django_db
def test_it_keeps_active_staff_signed_in(client, shell_middleware):
    client.force_login(make_staff())
    client.get("/staff/")
    _age_session(client, IDLE_TIMEOUT_SECONDS - 60)
    assert client.get("/staff/").status_code == 200
    # That request counted as activity, so the clock restarted.
    assert time.time() - client.session[LAST_ACTIVITY_KEY] < 5


@pytest.mark.django_db
def test_it_does_not_time_families_out(client, shell_middleware):
    client.force_login(make_family())
    _age_session(client, 3 * IDLE_TIMEOUT_SECONDS)
    assert client.get("/family/").status_code == 200


@pytest.mark.django_db
def test_it_redirects_an_expired_htmx_request_with_hx_redirect(client, shell_middleware):
    client.force_login(make_staff())
    client.get("/staff/")
    _age_session(client, IDLE_TIMEOUT_SECONDS + 5)
    response = client.get("/staff/", headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == "/staff/login/"
