"""E-mail leaves through the worker: a broken mail server never turns a family's request into a 500."""

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction

from enrollment.mail import send_after_commit

pytestmark = pytest.mark.django_db(transaction=True)


class BrokenBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError("no mail server")


def test_it_sends_after_the_transaction_commits():
    with transaction.atomic():
        send_after_commit(subject="受付のお知らせ", body="本文", to=["a@example.jp"])
        assert mail.outbox == []
    assert [m.subject for m in mail.outbox] == ["受付のお知らせ"]


def test_nothing_is_sent_when_the_transaction_rolls_back():
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            send_after_commit(subject="x", body="y", to=["a@example.jp"])
            raise RuntimeError("rolled back")
    assert mail.outbox == []


def test_a_mail_server_failure_does_not_reach_the_caller(settings):
    settings.EMAIL_BACKEND = "tests.enrollment.test_mail.BrokenBackend"
    with transaction.atomic():
        send_after_commit(subject="x", body="y", to=["a@example.jp"])
    assert mail.outbox == []
