"""E-mail to families: queued as a background task after the transaction commits."""

from django.db import transaction


def send_after_commit(*, subject: str, body: str, to: list[str]) -> None:
    from enrollment.tasks import send_email

    subject, body, to = str(subject), str(body), [str(address) for address in to]
    transaction.on_commit(lambda: send_email.enqueue(subject, body, to), robust=True)
