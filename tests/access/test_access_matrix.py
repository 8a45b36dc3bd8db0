"""The access matrix (issue 8): every URL pattern, every role, the objects of the other party.

Each pattern's kwargs are filled from real objects that belong to someone else: household B's
application, document, letter and child for family A; club B's roster and KoKoA programme for
operator A. A pattern with a kwarg the map cannot fill fails the test, so a new route must be
added here before it can ship. Every request is tried as a page, as a POST and as an htmx
partial (HX-Request: true); exports and downloads are ordinary patterns here, so they are in.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from enrollment.models import (
    AllocationRun,
    Application,
    Document,
    KokoaProgramme,
    KokoaSession,
    Letter,
    LetterBatch,
    Round,
)
from enrollment.permissions import (
    ANONYMOUS,
    FAMILY,
    OPERATOR_ROLE,
    PUBLIC,
    STAFF_READ_ROLE,
    STAFF_WRITE_ROLE,
    UNDECLARED_PREFIXES,
    URL_ACCESS,
    iter_url_patterns,
)
from enrollment.services.offers import offer_accept
from enrollment.services.runs import allocation_run_commit, allocation_run_execute, allocation_run_start
from tests import builders as b

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true", "HX-Current-URL": "http://testserver/"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def patterns():
    """(name, route, kwarg names) of every declared pattern of the project."""
    found = []
    for route, pattern in iter_url_patterns():
        if route.startswith(UNDECLARED_PREFIXES):
            continue
        found.append((pattern.name, route, tuple(pattern.pattern.regex.groupindex)))
    return found


# --- the world: two of everything ---------------------------------------------------------------

@pytest.fixture
def world(settings, tmp_path, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    fy = b.fiscal_year(2027)
    school = b.school()
    op_a, op_b = b.operator(), b.operator()
    club_a = b.club(school=school, operator=op_a, floor_area_m2=Decimal("66.00"))
    club_b = b.club(school=school, operator=op_b, floor_area_m2=Decimal("66.00"))
    rnd = b.round_(fy, status=Round.Status.CLOSED)
    staff = b.staff_user(email="staff@city.example.jp")
    sides = {}
    for side, club in (("a", club_a), ("b", club_b)):
        household = b.household()
        family = b.family_user(household, email=f"family-{side}@example.jp")
        child = b.child(household, school=school)
        application = b.application(child, rnd=rnd, clubs=[club], status=Application.Status.ACCEPTED,
                                    receipt_number=f"R-{side}")
        document = Document(application=application, kind=Document.Kind.EMPLOYMENT, original_name="a.pdf",
                            content_type="application/pdf", size=len(PDF), sha256="0" * 64)
        document.file.save("ignored", ContentFile(PDF), save=True)
        sides[side] = {"family": family, "household": household, "child": child, "application": application,
                       "document": document, "club": club}
    run = allocation_run_start(round_=rnd, actor=staff, ties="maximize_placed", seed=1, enqueue=False)
    run = allocation_run_execute(run_id=run.pk)
    assert run.status == AllocationRun.Status.FINISHED, run.error
    with django_capture_on_commit_callbacks(execute=True):  # letters are queued after the commit
        allocation_run_commit(run=run, actor=staff, today=datetime.date(2027, 1, 20))
    for side in sides.values():
        side["application"].refresh_from_db()
        side["letter"] = Letter.objects.filter(household=side["household"]).first()
        assert side["letter"] is not None, "the commit queues a letter per household"
    offer_accept(application=sides["a"]["application"], actor=sides["a"]["family"], today=datetime.date(2027, 1, 21))
    for side, op in (("a", op_a), ("b", op_b)):
        programme = KokoaProgramme.objects.create(school=b.school(), fiscal_year=fy, operator=op,
                                                  name=f"KoKoA {side}")
        session = KokoaSession.objects.create(programme=programme, kind=KokoaSession.Kind.SPECIAL, title="夏休み工作",
                                              date=datetime.date(2027, 7, 25), starts_at=datetime.time(9),
                                              ends_at=datetime.time(12), capacity=10)
        sides[side].update(programme=programme, session=session, operator_user=b.operator_user(
            op, email=f"operator-{side}@club.example.jp"))
    return {
        "fy": fy, "round": rnd, "run": run, "batch": LetterBatch.objects.first(), "school": school,
        "a": sides["a"], "b": sides["b"],
        "users": {
            "anonymous": None,
            "family_a": sides["a"]["family"],
            "family_b": sides["b"]["family"],
            "staff_full": staff,
            "staff_read": b.staff_user(email="reader@city.example.jp", read_only=True),
            "operator_a": sides["a"]["operator_user"],
            "operator_b": sides["b"]["operator_user"],
        },
    }


# --- kwargs of the other party ------------------------------------------------------------------

PUBLIC_ID_OBJECTS = [
    # (URL name prefix, what its public_id names); first match wins.
    ("family_document", "document"),
    ("staff_document", "document"),
    ("family_letter", "letter"),
    ("staff_letter_run", "run"),
    ("staff_letter_batch_create", "run"),
    ("staff_letter_batch_pdf", "batch"),
    ("staff_letter_decision_issue", "application"),
    ("staff_letter_", "letter"),
    ("family_child", "child"),
    ("family_", "application"),
    ("staff_application", "application"),
]

PK_OBJECTS = {
    # URL name -> what its pk names.
    "staff_setup_org_edit": "school",
    "staff_setup_club_edit": "club",
    "staff_setup_round_edit": "round",
    "staff_setup_round_open": "round",
    "staff_setup_round_close": "round",
    "staff_setup_kokoa_programme_edit": "programme",
    "staff_setup_kokoa_session_edit": "session",
}


class UnfillableKwarg(LookupError):
    pass


def other_party_kwargs(world, name: str, kwarg_names) -> dict:
    """Fill a pattern's kwargs with objects of side B (the side the probing user is not)."""
    other = world["b"]
    objects = {"application": other["application"], "document": other["document"], "letter": other["letter"],
               "child": other["child"], "run": world["run"], "batch": world["batch"], "club": other["club"],
               "programme": other["programme"], "session": other["session"], "round": world["round"],
               "school": world["school"]}
    kwargs = {}
    for kwarg in kwarg_names:
        if kwarg == "public_id":
            kind = next((kind for prefix, kind in PUBLIC_ID_OBJECTS if name.startswith(prefix)), None)
            if kind is None or objects[kind] is None:
                raise UnfillableKwarg(f"{name}: no object for public_id")
            kwargs[kwarg] = objects[kind].public_id
        elif kwarg == "pk":
            if name not in PK_OBJECTS:
                raise UnfillableKwarg(f"{name}: no object for pk")
            kwargs[kwarg] = objects[PK_OBJECTS[name]].pk
        elif kwarg == "round_id":
            kwargs[kwarg] = world["round"].pk
        elif kwarg == "run_id":
            kwargs[kwarg] = world["run"].pk
        elif kwarg == "club_id":
            kwargs[kwarg] = other["club"].pk
        elif kwarg == "programme_id":
            kwargs[kwarg] = other["programme"].pk
        elif kwarg == "programme_pk":
            kwargs[kwarg] = other["programme"].pk
        elif kwarg == "session_id":
            kwargs[kwarg] = other["session"].pk
        elif kwarg == "year":
            kwargs[kwarg] = world["fy"].year
        elif kwarg == "kind" and name.startswith("staff_setup_org"):
            kwargs[kwarg] = "school"
        elif kwarg == "kind" and name.startswith("staff_letter_template"):
            kwargs[kwarg] = "offer"
        elif kwarg == "table":
            kwargs[kwarg] = "applications"
        elif kwarg == "order":
            kwargs[kwarg] = 1
        elif kwarg in ("token", "uidb64"):
            kwargs[kwarg] = "x"
        else:
            raise UnfillableKwarg(f"{name}: unknown kwarg {kwarg!r}")
    return kwargs


def role_of(label: str) -> frozenset[str]:
    return {
        "anonymous": frozenset({ANONYMOUS}),
        "family_a": frozenset({FAMILY}), "family_b": frozenset({FAMILY}),
        "staff_full": frozenset({STAFF_READ_ROLE, STAFF_WRITE_ROLE}),
        "staff_read": frozenset({STAFF_READ_ROLE}),
        "operator_a": frozenset({OPERATOR_ROLE}), "operator_b": frozenset({OPERATOR_ROLE}),
    }[label]


def request(client, user, method, url, htmx=False):
    client.logout()
    if user is not None:
        client.force_login(user)
    headers = HTMX if htmx else {}
    return client.get(url, headers=headers) if method == "GET" else client.post(url, {}, headers=headers)


# --- the tests ------------------------------------------------------------------------------------

def test_it_can_fill_the_kwargs_of_every_url_pattern(world):
    problems = []
    for name, _route, kwarg_names in patterns():
        try:
            reverse(name, kwargs=other_party_kwargs(world, name, kwarg_names))
        except UnfillableKwarg as error:
            problems.append(str(error))
    assert problems == [], "add these routes to the access matrix's kwarg map"


def test_every_role_outside_a_pages_declaration_is_turned_away(client, world):
    """Anonymous → sign-in; another role → 404; read-only staff on a change → 403."""
    wrong = []
    for name, _route, kwarg_names in patterns():
        allowed = URL_ACCESS[name]
        if allowed == PUBLIC:
            continue
        url = reverse(name, kwargs=other_party_kwargs(world, name, kwarg_names))
        for label, user in world["users"].items():
            roles = role_of(label)
            if roles & allowed:
                continue
            for method, htmx in (("GET", False), ("POST", False), ("GET", True)):
                response = request(client, user, method, url, htmx)
                if label == "anonymous":
                    ok = (response.status_code == 302 and "login" in response["Location"]) or \
                         (htmx and "login" in response.get("HX-Redirect", ""))
                elif STAFF_READ_ROLE in roles and STAFF_WRITE_ROLE in allowed:
                    ok = response.status_code == 403
                else:
                    ok = response.status_code == 404
                if not ok:
                    wrong.append(f"{label} {method}{' htmx' if htmx else ''} {url} → {response.status_code}")
    assert wrong == [], "\n".join(wrong)


def test_a_family_gets_404_for_every_object_of_another_household(client, world):
    wrong = []
    family_a = world["users"]["family_a"]
    for name, _route, kwarg_names in patterns():
        if URL_ACCESS[name] != frozenset({FAMILY}) or "public_id" not in kwarg_names:
            continue
        url = reverse(name, kwargs=other_party_kwargs(world, name, kwarg_names))
        for method, htmx in (("GET", False), ("POST", False), ("GET", True), ("POST", True)):
            response = request(client, family_a, method, url, htmx)
            # 405: the route takes no such method, decided before any object is looked up.
            if response.status_code not in (404, 405):
                wrong.append(f"family A {method}{' htmx' if htmx else ''} {name} {url} → {response.status_code}")
    assert wrong == [], "\n".join(wrong)
    # Nothing of household B changed on the way.
    b_app = Application.objects.get(pk=world["b"]["application"].pk)
    assert b_app.status == world["b"]["application"].status
    assert Document.objects.filter(pk=world["b"]["document"].pk).exists()


def test_an_operator_gets_404_for_every_page_of_another_operators_club(client, world):
    wrong = []
    operator_a = world["users"]["operator_a"]
    scoped = {"club_id", "programme_id", "session_id"}
    checked = 0
    for name, _route, kwarg_names in patterns():
        if URL_ACCESS[name] != frozenset({OPERATOR_ROLE}) or not scoped & set(kwarg_names):
            continue
        checked += 1
        url = reverse(name, kwargs=other_party_kwargs(world, name, kwarg_names))
        for method, htmx in (("GET", False), ("POST", False), ("GET", True), ("POST", True)):
            response = request(client, operator_a, method, url, htmx)
            if response.status_code not in (404, 405):
                wrong.append(f"operator A {method}{' htmx' if htmx else ''} {name} {url} → {response.status_code}")
    assert checked >= 4
    assert wrong == [], "\n".join(wrong)


def test_read_only_staff_get_403_for_every_post_to_a_staff_page(client, world):
    wrong = []
    reader = world["users"]["staff_read"]
    for name, _route, kwarg_names in patterns():
        if not URL_ACCESS[name] & {STAFF_READ_ROLE, STAFF_WRITE_ROLE} or URL_ACCESS[name] == PUBLIC:
            continue
        if name in ("security_2fa_setup", "security_2fa_verify", "password_change", "password_change_done"):
            continue  # their own account, not the city's data
        url = reverse(name, kwargs=other_party_kwargs(world, name, kwarg_names))
        for htmx in (False, True):
            response = request(client, reader, "POST", url, htmx)
            # 405: the page takes no POST at all, so nothing can change either.
            if response.status_code not in (403, 405):
                wrong.append(f"read-only POST{' htmx' if htmx else ''} {name} {url} → {response.status_code}")
    assert wrong == [], "\n".join(wrong)


def test_the_owners_do_get_their_own_objects(client, world):
    """The control: the 404s above are about ownership, not about broken URLs."""
    a = world["a"]
    family_a = world["users"]["family_a"]
    for name, obj in (("family_application", a["application"]), ("family_document_download", a["document"]),
                      ("family_letter_download", a["letter"])):
        response = request(client, family_a, "GET", reverse(name, kwargs={"public_id": obj.public_id}))
        assert response.status_code == 200, name
    operator_a = world["users"]["operator_a"]
    response = request(client, operator_a, "GET", reverse("operator_roster", kwargs={"club_id": a["club"].pk}))
    assert response.status_code == 200
    response = request(client, operator_a, "GET",
                       reverse("operator_kokoa_session", kwargs={"session_id": a["session"].pk}))
    assert response.status_code == 200


def test_family_facing_identifiers_are_not_guessable(world):
    for obj in (world["a"]["application"], world["a"]["document"], world["a"]["letter"], world["a"]["child"]):
        assert obj.public_id.version == 4
