import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _japanese_mail_and_media(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("ja"):
        yield


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run the callbacks (e-mails, audit, file deletions) registered for after the commit."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
