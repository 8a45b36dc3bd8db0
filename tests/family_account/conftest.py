import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _japanese_and_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with translation.override("ja"):
        yield


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run the callbacks (e-mails, audit) that the services register for after the commit."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
