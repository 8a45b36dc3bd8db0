"""Staff allocation from the button: how long from pressing "Start the run" to seeing the results.

Loads the demo city into a fresh database (``seed_demo --households 1500 --seed 7`` by default,
with nearly every application accepted so that about 1,600 children are ranked), closes the first
round, then drives the real pages over HTTP (Django's test client, the whole middleware stack):
staff signs in, posts the start form, a real task worker (``manage.py db_worker``, started here as
a separate process) executes the run, the page polls the progress partial as htmx does every
second, and the clock stops when the results page has been served. It prints the figures.

    DEBUG=1 DATABASE_URL=sqlite:////tmp/bench-alloc.sqlite3 .venv/bin/python benchmarks/staff_allocation.py
    (options: --households N --seed S --accepted-share X --ties maximize_placed|lottery_first)

The lottery-first comparison is computed after the run is finished (the results page says it is
being computed), so it is not part of the figure; it is printed separately.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--accepted-share", type=float, default=0.97)
    parser.add_argument("--ties", default="maximize_placed", choices=["maximize_placed", "lottery_first"])
    parser.add_argument("--timeout", type=float, default=900.0, help="give up after this many seconds")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["TASKS_IMMEDIATE"] = "0"  # a real worker, as in production
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    from enrollment.models import AllocationRun, Application, Round, User
    from enrollment.services.setup import round_close

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    call_command("seed_demo", households=args.households, seed=args.seed, accepted_share=args.accepted_share,
                 reset=True, stdout=open(os.devnull, "w"))
    print(f"seed_demo: {time.perf_counter() - started:.1f} s")
    staff = User.objects.get(email="staff@demo.tomae.example.jp")
    first = Round.objects.get(kind=Round.Kind.FIRST)
    round_close(actor=staff, round_=first)
    ranked = Application.objects.filter(round=first, status=Application.Status.ACCEPTED).count()
    print(f"accepted applications in the first round: {ranked}")

    worker = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "db_worker", "--queue-name", "allocation",
                               "--interval", "0.2", "--no-startup-delay", "--no-reload"],
                              env={**os.environ}, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        client = Client()
        client.force_login(staff)
        client.get(reverse("staff_runs", args=[first.pk]))
        clicked = time.perf_counter()
        response = client.post(reverse("staff_runs", args=[first.pk]), {"ties": args.ties, "seed": "7"})
        if response.status_code != 302:
            print("the start form was refused:", response.status_code, file=sys.stderr)
            return 1
        run_url = response["Location"]
        progress_url = run_url + "?progress=1"
        polls = 0
        while True:
            polls += 1
            partial = client.get(progress_url, headers={"HX-Request": "true"})
            if partial.get("HX-Refresh") == "true":
                break
            if time.perf_counter() - clicked > args.timeout:
                print(f"gave up after {args.timeout:.0f} s", file=sys.stderr)
                return 1
            time.sleep(1.0)  # hx-trigger="every 1s"
        page = client.get(run_url)
        shown = time.perf_counter()
        run = AllocationRun.objects.get(round=first)
        assert page.status_code == 200 and run.status == AllocationRun.Status.FINISHED, run.error
        print(f"children ranked: {len(run.problem['children'])}, placed: {run.placed}, not placed: {run.unplaced}")
        print(f"solver: {run.solve_seconds:.1f} s, proven optimal: {run.proven_optimal}, gap: {run.gap}")
        print(f"fatal violations: {sum(1 for v in run.violations if v.get('fatal', True))}")
        print(f"button to results page: {shown - clicked:.1f} s ({polls} progress polls)")
        deadline = time.perf_counter() + args.timeout
        while time.perf_counter() < deadline:
            run.refresh_from_db()
            comparison = run.result["stats"]["extra"].get("lottery_first")
            if comparison:
                print(f"lottery-first comparison: {comparison.get('placed')} placed "
                      f"({comparison.get('seconds')} s after the results)")
                break
            time.sleep(1.0)
    finally:
        # The worker finishes the task it is running before it stops (after the run it may
        # still be computing follow-up work for the results page); the figures are printed.
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
