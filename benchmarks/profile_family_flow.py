"""CPU time and queries per page of the family flow, in one process (no HTTP, no concurrency).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/afterschool_profile \
        .venv/bin/python benchmarks/profile_family_flow.py [--families 20] [--cprofile STEP]

Walks the same pages as benchmarks/web_load.py (sign-up, the e-mail confirmation, the household,
the application's steps with an upload, submit; or with --seeded-accounts sign in and apply) with
Django's test client against the configured database (an empty one: the script migrates it),
production settings (DEBUG off; e-mail tasks run inline into the in-memory outbox), and prints
for every step the median CPU milliseconds of this process and the number of SQL queries.
``--cprofile "clubs page"`` prints the profile of that step, ``--sql "submit"`` its queries. It
is the tool for finding what a page costs; web_load.py measures the whole server under load.
(The first request of each family builds a new test client and its middleware, so "sign-up page"
and "login page" carry that cost here, not in a real server.)
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import threading
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(1, os.environ.get("WEB_LOAD_DIR", str(ROOT / "benchmarks")))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("HTTPS", "0")
os.environ.setdefault("SECRET_KEY", "profile-only-" + "x" * 40)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
os.environ["TASKS_IMMEDIATE"] = "1"  # the e-mail task runs inside the request, as a worker would

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from django.core import mail  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from web_load import (  # noqa: E402
    PASSWORD, SEED, Family, apply_flow, fill, link, page_errors, parse_forms, seeded_flow,
    signup_flow)


class ProfiledClient:
    def __init__(self, samples, profile_step, sql_step=None):
        self.client = Client()
        self.sql_step, self.sql_printed = sql_step, False
        self.samples, self.profile_step = samples, profile_step
        self.profiles = []

    def _run(self, step, call):
        profiler = cProfile.Profile() if step == self.profile_step else None
        with CaptureQueriesContext(connection) as queries:
            started = time.process_time()
            if profiler:
                profiler.enable()
            response = call()
            if profiler:
                profiler.disable()
                self.profiles.append(profiler)
            cpu = time.process_time() - started
        self.samples[step].append((cpu, len(queries)))
        if step == self.sql_step and not self.sql_printed:
            self.sql_printed = True
            print(f"--- SQL of {step} ---")
            for query in queries.captured_queries:
                print(query["sql"][:300])
        return response

    def get(self, path, step):
        response = self._run(step, lambda: self.client.get(path))
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} → {response.status_code}")
        return response.content.decode()

    def post_form(self, path, html, step, choose=None, values=None, person=True, files=()):
        forms = [f for f in parse_forms(html) if "logout" not in f["action"]]
        form = choose(forms) if choose else forms[-1]
        data = fill(form, values, person=person)
        if files:
            data += [b for b in form["buttons"] if b[0] == "upload"]
        payload = defaultdict(list)
        for key, value in data:
            payload[key].append(value)
        for field, name, content_type, content in files:
            payload[field] = SimpleUploadedFile(name, content, content_type=content_type)
        target = urlsplit(form["action"]).path or path
        response = self._run(step, lambda: self.client.post(target, dict(payload)))
        if response.status_code not in (302, 303):
            raise RuntimeError(f"POST {target} → {response.status_code} {page_errors(response.content.decode())}")
        return urlsplit(response["Location"]).path


class OutboxMailbox:
    """web_load's Mailbox, read from Django's in-memory outbox (e-mail tasks run inline here)."""

    def wait_for(self, address, pattern):
        for message in reversed(mail.outbox):
            if address in message.to:
                found = re.search(pattern, message.body)
                if found:
                    return found
        raise RuntimeError(f"no e-mail to {address}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--families", type=int, default=20)
    parser.add_argument("--cprofile", default=None, help="step whose profile to print")
    parser.add_argument("--sql", default=None, help="step whose SQL (of the second family) to print")
    parser.add_argument("--seeded-accounts", action="store_true", help="web_load's quick path: sign in and apply")
    parser.add_argument("--siblings-every", type=int, default=4)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    namespace = {}
    code = SEED.replace("int(FAMILIES)", str(args.families if args.seeded_accounts else 0)).replace("int(WAITING)", "0").replace(
        "PASSWORD)", repr(PASSWORD) + ")")
    out = io.StringIO()
    sys.stdout, saved = out, sys.stdout
    try:
        exec(code, namespace)
    finally:
        sys.stdout = saved
    round_id = out.getvalue().split()[0]

    samples = defaultdict(list)
    mail.outbox = []
    profiles, mailbox, waits, lock = [], OutboxMailbox(), [], threading.Lock()
    apply_start = f"/family/apply/{round_id}/"
    for n in range(args.families):
        browser = ProfiledClient(samples, args.cprofile, args.sql if n == 1 else None)
        if args.seeded_accounts:
            family = Family(n, f"family{n}@bench.example.jp", siblings=False)
            seeded_flow(browser, family)
            start = apply_start
        else:
            family = Family(n, f"new{n}@bench.example.jp", siblings=bool(args.siblings_every)
                            and n % args.siblings_every == args.siblings_every - 1)
            html = signup_flow(browser, family, mailbox, waits, lock)
            start = link(html, re.escape(apply_start), "applying")
        apply_flow(browser, family, start)
        profiles.extend(browser.profiles)

    print(f"{'step':<20} {'n':>4} {'CPU ms p50':>11} {'CPU ms max':>11} {'queries':>8}")
    total = 0.0
    for step, values in samples.items():
        cpu = [c for c, _q in values]
        total += sum(cpu) * 1000 / args.families
        print(f"{step:<20} {len(values):>4} {statistics.median(cpu) * 1000:>11.1f} {max(cpu) * 1000:>11.1f} "
              f"{statistics.median(q for _c, q in values):>8.0f}")
    requests = sum(len(v) for v in samples.values()) / args.families
    print(f"one family's flow: {requests:.1f} requests, {total:.0f} ms of CPU ({total / requests:.1f} ms a request)")
    if profiles:
        stats = pstats.Stats(profiles[0])
        for extra in profiles[1:]:
            stats.add(extra)
        stats.sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(int(os.environ.get("PROFILE_LINES", "45")))


if __name__ == "__main__":
    main()
