"""A form renderer that draws Django's standard widgets in Python instead of through templates.

Why: Django renders every widget, and every <option> of every <select>, through the template
engine (one template, an ``attrs.html`` include and a fresh context each). A family's club-choice
page has five selects of a dozen clubs: about 180 template renders, most of the page's CPU
(profiled with ``benchmarks/profile_family_flow.py``; docs/performance.md, "Web load").

``PythonWidgetRenderer`` produces the same markup as Django 5.2's built-in widget templates,
character for character (tests/web/test_form_renderer.py renders every widget kind both ways and
compares), with the same escaping: values and labels go through ``conditional_escape`` as the
template engine's autoescaping would. A widget template it does not know (a project override,
a third-party widget) is rendered by the template engine as before.
"""

from __future__ import annotations

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape, strip_spaces_between_tags

_WIDGETS = "django/forms/widgets/"


def _attrs(attrs) -> str:
    # attrs.html: {% if value is not False %} name{% if value is not True %}="value"{% endif %}
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        else:
            parts.append(f' {conditional_escape(name)}="{_string(value)}"')
    return "".join(parts)


def _string(value) -> str:
    # {{ value|stringformat:'s' }} under autoescape: safe strings stay as they are.
    return conditional_escape(value if hasattr(value, "__html__") else "%s" % (value,))


# Each function returns what its template renders when included, trailing newlines and all
# (every widget template file ends with one, and includes nest); the renderer strips the outer
# result as Django's own renderer does.

def _input(widget) -> str:  # input.html
    value = widget.get("value")
    value_part = f' value="{_string(value)}"' if value is not None else ""
    return (f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"'
            f'{value_part}{_attrs(widget["attrs"])}>\n')


def _input_option(option) -> str:  # input_option.html
    if not option.get("wrap_label"):
        return _input(option) + "\n"
    option_id = option["attrs"].get("id")
    for_part = f' for="{conditional_escape(option_id)}"' if option_id else ""
    return f'<label{for_part}>{_input(option)} {conditional_escape(option["label"])}</label>\n'


def _select_option(option) -> str:  # select_option.html
    return (f'<option value="{_string(option["value"])}"{_attrs(option["attrs"])}>'
            f'{conditional_escape(option["label"])}</option>\n')


def _select(widget, renderer) -> str:  # select.html
    out = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in group_choices:
            out.append("\n  " + renderer._render_widget(option))
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>\n")
    return "".join(out)


def _multiple_input(widget, renderer) -> str:  # multiple_input.html
    widget_id = widget["attrs"].get("id")
    css_class = widget["attrs"].get("class")
    out = ["<div",
           f' id="{conditional_escape(widget_id)}"' if widget_id else "",
           f' class="{conditional_escape(css_class)}"' if css_class else "", ">"]
    for group, options, _index in widget["optgroups"]:
        if group:
            out.append(f"\n  <div><label>{conditional_escape(group)}</label>")
        for option in options:
            out.append("<div>\n    " + renderer._render_widget(option) + "</div>")
        if group:
            out.append("\n  </div>")
    out.append("\n</div>\n")
    return "".join(out)


def _textarea(widget) -> str:  # textarea.html
    value = widget.get("value")
    return (f'<textarea name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>\n'
            f'{conditional_escape(value) if value else ""}</textarea>\n')


def _multiwidget(widget, renderer) -> str:  # multiwidget.html: {% spaceless %} around the subwidgets
    inner = "".join(renderer._render_widget(sub) for sub in widget["subwidgets"])
    return strip_spaces_between_tags(inner.strip()) + "\n"


# Templates that only include another one (and so add one more newline).
_INCLUDES_INPUT = {f"{_WIDGETS}{name}.html" for name in (
    "text", "email", "password", "number", "hidden", "date", "time", "datetime", "url",
    "search", "tel", "color", "checkbox", "file")}
_INCLUDES_INPUT_OPTION = {f"{_WIDGETS}{name}.html" for name in ("radio_option", "checkbox_option")}
_INCLUDES_MULTIPLE = {f"{_WIDGETS}{name}.html" for name in ("radio", "checkbox_select")}
_DRAWN = {f"{_WIDGETS}{name}.html": function for name, function in (
    ("input", lambda w, r: _input(w)),
    ("input_option", lambda w, r: _input_option(w)),
    ("select_option", lambda w, r: _select_option(w)),
    ("select", _select),
    ("multiple_input", _multiple_input),
    ("textarea", lambda w, r: _textarea(w)),
    ("multiwidget", _multiwidget),
)}
for _name in _INCLUDES_INPUT:
    _DRAWN[_name] = lambda w, r: _input(w) + "\n"
for _name in _INCLUDES_INPUT_OPTION:
    _DRAWN[_name] = lambda w, r: _input_option(w) + "\n"
for _name in _INCLUDES_MULTIPLE:
    _DRAWN[_name] = lambda w, r: _multiple_input(w, r) + "\n"


class PythonWidgetRenderer(DjangoTemplates):
    """Django's default renderer, with the standard widget templates drawn in Python."""

    def render(self, template_name, context, request=None):
        widget = context.get("widget") if isinstance(context, dict) else None
        if widget is not None and len(context) == 1 and template_name in _DRAWN:
            return _DRAWN[template_name](widget, self).strip()
        return super().render(template_name, context, request=request)

    def _render_widget(self, widget) -> str:
        """A widget inside another (an option, a subwidget), unstripped as an include would be."""
        name = widget["template_name"]
        if name in _DRAWN:
            return _DRAWN[name](widget, self)
        return self.get_template(name).render({"widget": widget})
