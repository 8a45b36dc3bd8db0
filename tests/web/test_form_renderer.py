"""The Python widget renderer draws exactly what Django's widget templates draw."""

import datetime

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy
from hypothesis import given, settings, strategies as st

from enrollment.forms.fields import JapaneseDateField, JapaneseDateWidget
from enrollment.forms.renderer import PythonWidgetRenderer

TEMPLATES = DjangoTemplates()
PYTHON = PythonWidgetRenderer()

CHOICES = [("", "---"), ("a", "<b>A & co</b>"), (1, gettext_lazy("Required")), ("c", mark_safe("<i>safe</i>"))]
GROUPED = [("District 1", [("x", "X club"), ("y", 'Y "quoted"')]), ("Elsewhere", [("z", "Z")]), ("w", "W")]


class EveryWidget(forms.Form):
    text = forms.CharField(help_text="hint", max_length=20)
    email = forms.EmailField(required=False)
    password = forms.CharField(widget=forms.PasswordInput(render_value=True))
    number = forms.IntegerField(min_value=0)
    hidden = forms.CharField(widget=forms.HiddenInput)
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    agree = forms.BooleanField(required=False)
    single = forms.ChoiceField(choices=CHOICES)
    grouped = forms.ChoiceField(choices=GROUPED, required=False)
    many = forms.MultipleChoiceField(choices=GROUPED, widget=forms.SelectMultiple, required=False)
    radio = forms.ChoiceField(choices=CHOICES[1:], widget=forms.RadioSelect)
    radio_grouped = forms.ChoiceField(choices=GROUPED, widget=forms.RadioSelect(attrs={"class": "stack"}))
    boxes = forms.MultipleChoiceField(choices=GROUPED, widget=forms.CheckboxSelectMultiple, required=False)
    upload = forms.FileField(required=False)
    born = JapaneseDateField(required=False)


DATA = {"text": '<script>"x"</script>', "email": "bad", "password": "p&w", "number": "-1", "hidden": "h\"1",
        "date": "2027-04-01", "notes": "line 1\n<b>line 2</b>", "agree": "on", "single": "c", "grouped": "y",
        "many": ["x", "z"], "radio": "1", "radio_grouped": "w", "boxes": ["y"]}


def both(form):
    """Each field's widget drawn by both renderers, with the attributes a bound field gives it."""
    out = {}
    for field in form:
        attrs = field.build_widget_attrs({"id": field.auto_id, **({"aria-invalid": "true"} if field.errors else {})})
        widget = field.field.widget
        out[field.name] = (widget.render(field.html_name, field.value(), attrs, renderer=TEMPLATES),
                           widget.render(field.html_name, field.value(), attrs, renderer=PYTHON))
    return out


@pytest.mark.parametrize("data", [None, DATA, {"single": "a", "radio": "a", "born_year": "2020"}])
def test_it_renders_every_standard_widget_exactly_like_the_templates(data):
    form = EveryWidget(data)
    if data is not None:
        form.is_valid()
    for name, (expected, got) in both(form).items():
        assert got == expected, name


def test_it_renders_bound_fields_exactly_like_the_templates_through_the_form():
    templated = EveryWidget(DATA, renderer=TEMPLATES)
    python = EveryWidget(DATA, renderer=PYTHON)
    templated.is_valid(), python.is_valid()
    for a, b in zip(templated, python):
        assert str(b) == str(a), a.name


def test_it_leaves_templates_it_does_not_know_to_the_template_engine():
    widget = forms.ClearableFileInput()
    assert widget.render("f", None, renderer=PYTHON) == widget.render("f", None, renderer=TEMPLATES)
    # A whole form goes through django/forms/div.html, which the Python renderer does not draw.
    python, templated = EveryWidget(DATA, renderer=PYTHON), EveryWidget(DATA, renderer=TEMPLATES)
    python.is_valid(), templated.is_valid()
    rendered = python.as_div()
    assert rendered == templated.as_div()
    assert 'class="errorlist"' in rendered and '<optgroup label="District 1">' in rendered


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=30), choice_label=st.text(max_size=20), year=st.integers(1900, 2100))
def test_it_escapes_any_value_and_label_like_the_templates(text, choice_label, year):
    class Form(forms.Form):
        name = forms.CharField()
        pick = forms.ChoiceField(choices=[("v" + text, choice_label), ("other", "Other")])
        kind = forms.ChoiceField(choices=[(text or "x", choice_label)], widget=forms.RadioSelect)
        when = JapaneseDateField()

    data = {"name": text, "pick": "v" + text, "kind": text, "when_year": str(year)}
    for a, b in zip(Form(data, renderer=TEMPLATES), Form(data, renderer=PYTHON)):
        assert str(b) == str(a)
    assert str(forms.DateField(widget=JapaneseDateWidget).widget.render(
        "d", datetime.date(year, 1, 31), renderer=PYTHON)) == str(
        forms.DateField(widget=JapaneseDateWidget).widget.render("d", datetime.date(year, 1, 31), renderer=TEMPLATES))
