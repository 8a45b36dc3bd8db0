"""Hypothesis over every form class of enrollment.forms, discovered by import (issue 8).

For each form, odd data on every field (NUL bytes, overlong text, control characters, combining
marks, full-width digits, rare kanji, emoji, and what lone surrogates become on the way through
a UTF-8 request). The property: validating never raises; a valid form's cleaned text holds no
NUL and encodes as UTF-8 (what PostgreSQL accepts); a valid model form saves without a database
error. Run on PostgreSQL in CI, where a NUL or an overlong value would be a database error.

A new form with a constructor argument this module does not know fails
``test_it_can_build_every_form``: add the argument to ``form_arguments``.
"""

import datetime
import importlib
import inspect
import pkgutil
from decimal import Decimal

import pytest
from django import forms
from django.db import DatabaseError, transaction
from django.utils.datastructures import MultiValueDict
from hypothesis import HealthCheck, given, settings, strategies as st

import enrollment.forms
from enrollment.models import AllocationRun, KokoaProgramme, KokoaSession
from tests import builders as b

pytestmark = pytest.mark.django_db

FUZZ = settings(max_examples=25, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def discover_forms() -> list[type]:
    found = []
    for module_info in pkgutil.iter_modules(enrollment.forms.__path__):
        module = importlib.import_module(f"enrollment.forms.{module_info.name}")
        for name, cls in sorted(vars(module).items()):
            if (inspect.isclass(cls) and issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__
                    and not inspect.isabstract(cls) and not name.startswith("_")):
                found.append(cls)
    return found


FORMS = discover_forms()


@pytest.fixture
def form_arguments():
    """Constructor arguments by name, from a small real world."""
    fy = b.fiscal_year(2027)
    school = b.school()
    club = b.club(school=school)
    rnd = b.round_(fy)
    household = b.household()
    child = b.child(household, school=school)
    programme = KokoaProgramme.objects.create(school=school, fiscal_year=fy, operator=club.operator, name="KoKoA")
    session = KokoaSession.objects.create(programme=programme, kind=KokoaSession.Kind.SPECIAL, title="工作",
                                          date=datetime.date(2027, 7, 25), starts_at=datetime.time(9),
                                          ends_at=datetime.time(12), capacity=5)
    return {
        "children": [child], "labels": {child.pk: "泊江 太郎"}, "clubs": [club],
        "months": [datetime.date(2027, 4, 1), datetime.date(2027, 5, 1)],
        "home_district": school.district, "sessions": [session], "guardians": list(household.guardians.all()),
        "limit_mb": 10, "agree_label": "同意します", "with_reason": True, "today": datetime.date(2026, 11, 25),
        "round_": rnd, "fiscal_year": fy, "programme": programme, "email": "fuzz@example.jp",
        "guardian_count": 2, "ruleset": fy.rulesets.first(), "ruleset_ties": "maximize_placed",
        "runs": AllocationRun.objects.none(),
    }


def build(form_class, arguments, data=None, files=None):
    """The form with the constructor arguments it asks for. A subclass may pass some of its
    parent's arguments itself, so the answer comes from trying: add what is missing, drop what
    is given twice."""
    import re

    own = inspect.signature(form_class.__init__).parameters.values()
    wanted = {p.name for p in own if p.name in arguments and p.name not in BASE_FORM_ARGUMENTS
              and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
    for _attempt in range(10):
        try:
            return form_class(data=data, files=files, **{name: arguments[name] for name in wanted})
        except TypeError as error:
            missing = re.search(r"missing \d+ required (?:keyword-only |positional )?arguments?: '(\w+)'", str(error))
            twice = re.search(r"multiple values for keyword argument '(\w+)'", str(error))
            if missing and missing.group(1) in arguments:
                wanted.add(missing.group(1))
            elif missing:
                raise LookupError(f"{form_class.__name__} needs {missing.group(1)!r}: add it to form_arguments")
            elif twice:
                wanted.discard(twice.group(1))
            else:
                raise
    raise LookupError(f"cannot build {form_class.__name__}")


BASE_FORM_ARGUMENTS = {"data", "files", "initial", "prefix", "instance", "auto_id", "label_suffix", "error_class",
                       "empty_permitted", "field_order", "use_required_attribute", "renderer"}


def field_keys(form) -> list[tuple[str, bool]]:
    """Every key the form reads from POST data, and whether it takes several values."""
    keys = []
    for bound in form:
        widget = bound.field.widget
        many = isinstance(widget, (forms.SelectMultiple, forms.CheckboxSelectMultiple)) or \
            isinstance(bound.field, forms.MultipleChoiceField)
        if isinstance(widget, forms.MultiWidget):
            keys.extend((bound.html_name + suffix, False) for suffix in widget.widgets_names)
        else:
            keys.append((bound.html_name, many))
    return keys


def through_http(text: str) -> str:
    # What reaches a form from a UTF-8 POST body: lone surrogates arrive as U+FFFD.
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


odd = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.sampled_from("0123456789０１２３４５６７８９-ー－.e 　"), max_size=12),
    st.text(alphabet=st.sampled_from("あｱア゛ﾞ𠮷葛\U000E0100\u202e\u0301\x00\x1b\ufeff"), max_size=20),
    st.text(alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=3),
    st.sampled_from(["", "\x00", "a\x00b", "x" * 5000, "あ" * 300, "-1", "1e308", "NaN", "2027", "13", "on",
                     "true", "0", "99999999999999999999", "../../etc/passwd", "=1+1", "<script>"]),
).map(through_http)


def check_form(form_class, arguments, draw_values):
    form = build(form_class, arguments)
    data = MultiValueDict()
    for key, many in field_keys(form):
        values = draw_values(many)
        data.setlist(key, values)
    form = build(form_class, arguments, data=data)
    valid = form.is_valid()  # must never raise
    if not valid:
        return
    for name, value in form.cleaned_data.items():
        for text in (value if isinstance(value, (list, tuple)) else [value]):
            if isinstance(text, str):
                assert "\x00" not in text, f"{form_class.__name__}.{name} let a NUL through"
                text.encode("utf-8")
    if isinstance(form, forms.ModelForm):
        try:
            with transaction.atomic():
                form.save()
                transaction.set_rollback(True)
        except DatabaseError as error:  # pragma: no cover - the finding
            pytest.fail(f"{form_class.__name__} saved valid data into a database error: {error}")


def test_it_discovers_the_forms_of_every_area():
    names = {cls.__name__ for cls in FORMS}
    assert {"SignupForm", "ChildForm", "PaperApplicationForm", "ClubForm"} <= names
    assert len(FORMS) >= 20


def test_it_can_build_every_form(form_arguments):
    for form_class in FORMS:
        build(form_class, form_arguments)


@pytest.mark.parametrize("form_class", FORMS, ids=lambda cls: f"{cls.__module__.rsplit('.', 1)[1]}.{cls.__name__}")
@FUZZ
@given(data=st.data())
def test_odd_input_never_breaks_a_form(form_arguments, form_class, data):
    def draw_values(many):
        if many:
            return data.draw(st.lists(odd, max_size=3))
        return [data.draw(odd)]

    check_form(form_class, form_arguments, draw_values)


@pytest.mark.parametrize("form_class", FORMS, ids=lambda cls: cls.__name__)
def test_a_nul_byte_in_every_field_is_refused_or_removed(form_arguments, form_class):
    check_form(form_class, form_arguments, lambda many: ["泊江\x00市"])


@pytest.mark.parametrize("form_class", FORMS, ids=lambda cls: cls.__name__)
def test_overlong_text_in_every_field_is_refused_or_fits(form_arguments, form_class):
    check_form(form_class, form_arguments, lambda many: ["𠮷" * 10_000])
