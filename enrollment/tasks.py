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
