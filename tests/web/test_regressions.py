"""Bugs the crawl (tests/web/test_crawl.py) found, each pinned so it stays fixed."""

import pytest
from django.urls import reverse

from tests import builders as b

pytestmark = pytest.mark.django_db


def test_it_hides_the_import_link_from_read_only_staff(client):
    # The staff menu offered 「取り込み」 to read-only staff, whose click then ended on a 403.
    client.force_login(b.staff_user(read_only=True))
    page = client.get(reverse("staff_application_list")).content.decode()
    assert reverse("staff_import") not in page


def test_it_shows_the_import_link_to_full_staff(client):
    client.force_login(b.staff_user())
    page = client.get(reverse("staff_application_list")).content.decode()
    assert f'href="{reverse("staff_import")}"' in page
