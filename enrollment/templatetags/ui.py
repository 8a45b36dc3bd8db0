"""Template helpers for the interface shell: who is signed in, the menu, htmx, the city's name."""

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from enrollment import permissions

register = template.Library()

SERVICE_NAME = _("After-school places: applications")

# The main menu: (URL name, label). Each user sees the entries the access table lets them use.
NAV_ITEMS = [
    ("family_home", _("My page")),
    ("family_household", _("Household")),
    ("staff_dashboard", _("Dashboard")),
    ("operator_home", _("My clubs")),
    ("password_change", _("Password")),
]


@register.simple_tag
def city_name() -> str:
    # Read from settings, not the context: error pages render without context processors.
    return settings.CITY_NAME


@register.simple_tag
def service_name() -> str:
    return str(SERVICE_NAME)


@register.simple_tag
def htmx_script():
    """htmx 2 from our own static files (static/vendor/htmx), never from a CDN."""
    return format_html('<script src="{}" defer></script>', static("vendor/htmx/htmx.min.js"))


@register.simple_tag
def role_home_url(user) -> str:
    return permissions.role_home_url(user)


@register.filter
def role_label(user) -> str:
    """The role as the header shows it: 家庭 / 市職員 / 市職員（閲覧のみ） / 運営事業者: name."""
    if user is None or not user.is_authenticated:
        return ""
    if user.is_family:
        return str(pgettext_lazy("role", "Family"))
    if user.is_city_staff:
        if user.can_change:
            return str(pgettext_lazy("role", "City staff"))
        return str(pgettext_lazy("role", "City staff (view only)"))
    if user.is_operator:
        return str(_("Club operator: %(name)s") % {"name": user.operator.name})
    return ""


@register.filter
def may_use(user, url_name: str) -> bool:
    """``{% if user|may_use:"staff_dashboard" %}``: show a link only to those it works for."""
    return permissions.may_use(user, url_name)


@register.filter
def nav_items(user) -> list[dict]:
    return [{"url": reverse(name), "label": label}
            for name, label in NAV_ITEMS if permissions.may_use(user, name)]
