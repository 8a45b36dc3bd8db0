"""Time the letters job on the loaded demo city: run, commit, queue and issue its letters.

    DEBUG=1 DATABASE_URL=sqlite:////tmp/letters-bench.sqlite3 .venv/bin/python manage.py shell < benchmarks/letters_issue.py

Changes the database (closes the first round, commits a run): use a throw-away copy.
Prints wall and CPU seconds, peak memory and the mailing's size (docs/performance.md).
"""

import datetime
import resource
import time
from collections import Counter

import enrollment.services.runs as runs
from enrollment.models import Letter, Round, User
from enrollment.services.letters import letter_batch_issue, queue_run_letters
from enrollment.services.runs import allocation_run_commit, allocation_run_execute, allocation_run_start

ISSUE_DAY = datetime.date(2027, 2, 5)

round_ = Round.objects.filter(kind="first").order_by("pk").first()
Round.objects.filter(pk=round_.pk).update(status="closed")
round_.refresh_from_db()
staff = User.objects.get(email="staff@demo.tomae.example.jp")
run = allocation_run_start(round_=round_, actor=staff, ties="maximize_placed", seed=7, enqueue=False)
started = time.perf_counter()
allocation_run_execute(run_id=run.pk, time_limit=60)
print(f"allocation run: {time.perf_counter() - started:.1f} s")
run.refresh_from_db()
runs._queue_letters = lambda run_id: None  # queue by hand below, to time the job on its own
allocation_run_commit(run=run, actor=staff, today=ISSUE_DAY)

started = time.perf_counter()
batch = queue_run_letters(run_id=run.pk, enqueue=False)
print(f"queue_run_letters: {time.perf_counter() - started:.2f} s")
cpu, started = time.process_time(), time.perf_counter()
batch = letter_batch_issue(batch=batch, today=ISSUE_DAY)
wall, cpu = time.perf_counter() - started, time.process_time() - cpu
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print(f"letter_batch_issue: {batch.total} letters, {wall:.1f} s wall, {cpu:.1f} s CPU, "
      f"{batch.total / wall:.0f} letters/s, peak {peak} MB, mailing {batch.file.size:,} bytes ({batch.status})")
print(dict(Counter(Letter.objects.filter(run=run).values_list("kind", "status"))))
