import django
import pytest
from django.conf import settings
from django.utils import translation

# The rules need no database, only gettext; without the project's settings (pytest-django
# configures those when DJANGO_SETTINGS_MODULE is set) a minimal configuration is enough.
if not settings.configured:
    settings.configure(USE_I18N=True, LANGUAGE_CODE="en-us", INSTALLED_APPS=[])
    django.setup()


@pytest.fixture(autouse=True)
def _english():
    # Messages are asserted in English, whatever language the project defaults to.
    with translation.override("en"):
        yield
