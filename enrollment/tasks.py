"""Background tasks (django-tasks with the database backend; ``manage.py db_worker`` runs them)."""

from django_tasks import task


@task(queue_name="allocation")
def execute_run(run_id: int) -> None:
    from enrollment.services.runs import allocation_run_execute

    allocation_run_execute(run_id=run_id)


@task(queue_name="letters")
def issue_letter_batch(batch_id: int) -> None:
    from enrollment.models import LetterBatch
    from enrollment.services.letters import letter_batch_issue

    letter_batch_issue(batch=LetterBatch.objects.get(pk=batch_id))


@task(queue_name="default")
def send_email(subject: str, body: str, recipients: list[str]) -> None:
    """Mail goes out from the worker: a slow or absent mail server never fails a family's request,
    and a failed send is kept as a failed task result with its error, to be retried by staff."""
    from django.conf import settings
    from django.core.mail import send_mail

    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
