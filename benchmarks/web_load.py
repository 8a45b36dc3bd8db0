"""Web load benchmark: simulated families through the real HTTP flow against the production setup.

    .venv/bin/python benchmarks/web_load.py --families 1000 --clients 50
    .venv/bin/python benchmarks/web_load.py --families 2000 --clients 50 --with-allocation

What it does:
  1. creates a PostgreSQL database of its own (``afterschool_bench``; dropped at the end unless
     --keep), migrates it, collects static files and seeds a city: schools, clubs, an open round,
     and ``--families`` households each with a confirmed account, two guardians and one child
     (accounts are seeded rather than signed up over HTTP: confirming an e-mail address needs the
     mail, which the console backend of another process cannot hand back);
  2. starts gunicorn with config/gunicorn.conf.py on 127.0.0.1 (DEBUG=0, PostgreSQL, whitenoise);
  3. runs ``--clients`` threads, each taking families from a queue and walking the real pages
     with http.client: sign-in page, sign in, family home, the application's steps (children,
     club choices, KoKoA, documents, confirmation) and the submission, to the receipt page;
     every form is read from the HTML the server sent (CSRF token included) and filled the way
     a person would (first child, clubs in order, agree);
  4. with --with-allocation, a staff member starts allocation runs of another round (a background
     worker, ``manage.py db_worker``, runs them) while the families apply;
  5. checks the database: exactly one submitted application per family, none lost, none twice;
  6. prints requests per second, p50/p95/p99 per request and per step, and errors.

Not covered over HTTP: sign-up and e-mail confirmation (see 1.), uploading documents (the flow
goes past the documents step without a file, as the round's rule set allows).
"""

from __future__ import annotations

import argparse
import http.client
import os
import queue
import re
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PASSWORD = "bench-horse-battery-42"


# --- a tiny browser ---------------------------------------------------------------------------

class FormParser(HTMLParser):
    """The POST forms of a page: action, fields (name → list of (type, value, checked)), buttons."""

    def __init__(self):
        super().__init__()
        self.forms, self._form, self._select = [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "get").lower() == "post":
            self._form = {"action": a.get("action") or "", "fields": defaultdict(list), "buttons": []}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind == "submit":
                self._form["buttons"].append((a["name"], a.get("value", "")))
            else:
                self._form["fields"][a["name"]].append((kind, a.get("value", ""), "checked" in a))
        elif tag == "button" and a.get("name"):
            self._form["buttons"].append((a["name"], a.get("value", "")))
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self._form["fields"][self._select].append(("select", None, False))
        elif tag == "option" and self._select:
            value = a.get("value", "")
            entry = self._form["fields"][self._select][0]
            if entry[1] is None and value:
                self._form["fields"][self._select][0] = ("select", value, False)
            self._form["fields"][self._select].append(("option", value, "selected" in a))
        elif tag == "textarea" and a.get("name"):
            self._form["fields"][a["name"]].append(("textarea", "", False))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def fill(form) -> list[tuple[str, str]]:
    """What a person would send: hidden values, the first child, clubs in order, agree ticked."""
    data, used_clubs = [], set()
    for name, entries in form["fields"].items():
        kind = entries[0][0]
        if kind in ("hidden", "text", "email", "textarea", "number", "date", "tel"):
            if entries[0][1]:
                data.append((name, entries[0][1]))
        elif kind == "checkbox":
            checked = [v for k, v, c in entries if c]
            if checked:
                data.extend((name, v) for v in checked)
            elif name.endswith("children") or name.endswith("agree") or name == "agree":
                data.append((name, entries[0][1] or "on"))
        elif kind == "radio":
            chosen = next((v for k, v, c in entries if c), entries[0][1])
            data.append((name, chosen))
        elif kind == "select":
            options = [v for k, v, c in entries[1:] if v]
            selected = next((v for k, v, c in entries[1:] if c and v), None)
            if re.search(r"choice_\d$", name):
                # Ranked club choices: a different club for each rank, as many as there are.
                free = [v for v in options if v not in used_clubs]
                if free and (name.endswith("choice_1") or len(used_clubs) < 2):
                    used_clubs.add(free[0])
                    data.append((name, free[0]))
            elif selected or options:
                data.append((name, selected or options[0]))
    return data


class Browser:
    def __init__(self, host, port, timings, lock):
        self.host, self.port, self.cookies = host, port, {}
        self.timings, self.lock = timings, lock
        self.conn = http.client.HTTPConnection(host, port, timeout=60)

    def request(self, method, path, step, body=None, referer=None):
        headers = {"Host": f"{self.host}:{self.port}", "User-Agent": "web_load"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if referer:
            headers["Referer"] = f"http://{self.host}:{self.port}{referer}"
        started = time.perf_counter()
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                content = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A keep-alive connection the server closed (a worker restarting): reconnect once.
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                if attempt == 2:
                    raise
        elapsed = time.perf_counter() - started
        with self.lock:
            self.timings.append((step, elapsed, response.status))
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, response.getheader("Location"), content.decode("utf-8", "replace")

    def get(self, path, step):
        status, location, html = self.request("GET", path, step)
        if status != 200:
            raise RuntimeError(f"GET {path} → {status}")
        return html

    def post_form(self, path, html, step, choose=None, extra=()):
        forms = [f for f in parse_forms(html) if "logout" not in f["action"]]
        form = choose(forms) if choose else forms[-1]
        data = fill(form) + list(extra)
        target = form["action"] or path
        status, location, body = self.request("POST", target, step, urlencode(data), referer=path)
        if status not in (302, 303):
            errors = re.findall(r'class="field-error"[^>]*>(.*?)<', body)
            raise RuntimeError(f"POST {target} → {status} {errors[:3]}")
        return urlsplit(location).path


def parse_forms(html):
    parser = FormParser()
    parser.feed(html)
    return parser.forms


def family_flow(browser, email, round_id):
    html = browser.get("/login/", "login page")
    browser.post_form("/login/", html, "sign in",
                      extra=[("username", email), ("password", PASSWORD)])
    browser.get("/family/", "family home")
    path = f"/family/apply/{round_id}/"
    for _step in range(12):
        page = "start" if path.rstrip("/").endswith(f"/apply/{round_id}") else path.rstrip("/").rsplit("/", 1)[-1]
        html = browser.get(path, f"{page} page")
        if "/receipt/" in path:
            return True
        step = "submit" if page == "confirm" else f"{page} post"
        # The documents page has an upload form and a "continue" form; continue without a file.
        path = browser.post_form(path, html, step, choose=lambda forms: next(
            (f for f in reversed(forms) if not any(n == "upload" for n, _v in f["buttons"])
             and "file" not in f["fields"]), forms[-1]))
    raise RuntimeError("no receipt after 12 steps")


# --- the setup --------------------------------------------------------------------------------

SEED = r"""
import datetime, itertools
from decimal import Decimal
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from enrollment.models import Round, User, Application
from tests import builders as b

families = int(FAMILIES)
fy = b.fiscal_year(timezone.localdate().year + 1)
schools = [b.school() for _ in range(6)]
clubs = [b.club(school=s, floor_area_m2=Decimal("66.00")) for s in schools for _ in range(2)]
now = timezone.now()
rnd = Round.objects.create(fiscal_year=fy, kind=Round.Kind.FIRST, name="一斉申請",
                           start_month=datetime.date(fy.year, 4, 1), opens_at=now - datetime.timedelta(days=1),
                           closes_at=now + datetime.timedelta(days=20), status=Round.Status.OPEN)
# A second, closed round with accepted applications: the allocation the staff run meanwhile.
other = Round.objects.create(fiscal_year=fy, kind=Round.Kind.SECOND, name="二次募集",
                             start_month=datetime.date(fy.year, 4, 1), opens_at=now - datetime.timedelta(days=40),
                             closes_at=now - datetime.timedelta(days=30), status=Round.Status.CLOSED)
for n in range(int(WAITING)):
    c = b.child(b.household(), school=schools[n % 6], birth_date=datetime.date(fy.year - 7, 5, 1))
    b.application(c, rnd=other, clubs=clubs[(n % 12):(n % 12) + 3] or clubs[:3],
                  status=Application.Status.ACCEPTED, receipt_number=f"W-{n:05d}")
hashed = make_password(PASSWORD)
for n in range(families):
    h = b.household()
    b.child(h, school=schools[n % 6], birth_date=datetime.date(fy.year - 7, 5, 1))
    User.objects.create(email=f"family{n}@bench.example.jp", role=User.Role.FAMILY, household=h,
                        password=hashed, email_confirmed_at=now)
staff = b.staff_user(email="staff@bench.example.jp")
print(rnd.pk, other.pk, staff.pk)
"""

ALLOCATE = r"""
import time
from enrollment.models import AllocationRun, Round, User
from enrollment.services.runs import allocation_run_start
from enrollment.services import ServiceError
rnd = Round.objects.get(pk=int(OTHER)); staff = User.objects.get(pk=int(STAFF))
deadline = time.time() + float(SECONDS)
started = 0
while time.time() < deadline:
    if not AllocationRun.objects.filter(round=rnd, status__in=["queued", "running"]).exists():
        try:
            allocation_run_start(round_=rnd, actor=staff, ties="maximize_placed", seed=started + 1)
            started += 1
        except ServiceError:
            pass
    time.sleep(1)
print(started, AllocationRun.objects.filter(round=rnd, status="finished").count())
"""


def env_for(db_url):
    return {**os.environ, "DEBUG": "0", "HTTPS": "0", "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost", "DATABASE_URL": db_url, "REQUIRE_2FA": "1",
            "TESTING": "", "TASKS_IMMEDIATE": "0", "LOG_LEVEL": "WARNING", "CONN_MAX_AGE": "60",
            "GUNICORN_ACCESS_LOG": "/dev/null",
            # No SMTP server here: receipts are rendered and dropped instead of failing the request.
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend"}


def manage(env, *args, code=None, timeout=3600):
    command = [PY, "manage.py", *args] + (["-c", code] if code else [])
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--families", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--with-allocation", action="store_true")
    parser.add_argument("--waiting", type=int, default=600, help="applications in the round staff allocate")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="afterschool_bench")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    db_url = f"{args.server}/{args.database}"
    admin = f"{args.server}/postgres"
    subprocess.run(["psql", admin, "-qAtc", f'DROP DATABASE IF EXISTS "{args.database}"'], check=True)
    subprocess.run(["psql", admin, "-qAtc", f'CREATE DATABASE "{args.database}"'], check=True)
    env = env_for(db_url)
    processes = []
    try:
        print(f"Setting up {args.database}: migrate, collectstatic, seed {args.families} families …", flush=True)
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "collectstatic", "--noinput", "-v", "0")
        code = SEED.replace("int(FAMILIES)", str(args.families)).replace(
            "int(WAITING)", str(args.waiting if args.with_allocation else 0)).replace("PASSWORD)", repr(PASSWORD) + ")")
        round_id, other_id, staff_id = manage(env, "shell", code=code).split()

        gunicorn_env = {**env, "GUNICORN_BIND": f"127.0.0.1:{args.port}", "GUNICORN_WORKERS": str(args.workers)}
        server = subprocess.Popen([PY, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi"],
                                  cwd=ROOT, env=gunicorn_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        processes.append(server)
        for _ in range(100):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=2)
                conn.request("GET", "/login/")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit("gunicorn did not start")

        allocation = None
        if args.with_allocation:
            worker = subprocess.Popen([PY, "manage.py", "db_worker", "--queue-name", "allocation,letters,default"],
                                      cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            processes.append(worker)
            seconds = max(30, args.families // 10)
            alloc_code = ALLOCATE.replace("int(OTHER)", other_id).replace("int(STAFF)", staff_id).replace(
                "float(SECONDS)", str(seconds))
            allocation = subprocess.Popen([PY, "manage.py", "shell", "-c", alloc_code], cwd=ROOT, env=env,
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

        work = queue.Queue()
        for n in range(args.families):
            work.put(f"family{n}@bench.example.jp")
        timings, errors, lock = [], [], threading.Lock()

        def client():
            while True:
                try:
                    email = work.get_nowait()
                except queue.Empty:
                    return
                browser = Browser("127.0.0.1", args.port, timings, lock)
                try:
                    family_flow(browser, email, round_id)
                except Exception as error:  # noqa: BLE001 - every failure is counted
                    with lock:
                        errors.append(f"{email}: {error}")
                finally:
                    browser.conn.close()

        print(f"Running {args.families} families with {args.clients} concurrent clients …", flush=True)
        started = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(args.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started

        allocation_summary = ""
        if allocation is not None:
            out, err = allocation.communicate(timeout=3600)
            runs_started, runs_finished = (out.strip().splitlines() or ["? ?"])[-1].split()
            allocation_summary = f"; staff started {runs_started} allocation runs meanwhile, {runs_finished} finished"

        check = manage(env, "shell", code=(
            "from django.db.models import Count\n"
            "from enrollment.models import Application\n"
            f"qs = Application.objects.filter(round_id={round_id})\n"
            "submitted = qs.exclude(status='draft').count()\n"
            "dupes = qs.values('child_id').annotate(n=Count('pk')).filter(n__gt=1).count()\n"
            "print(qs.count(), submitted, dupes)"))
        total, submitted, duplicated = map(int, check.split())

        durations = [t for _step, t, _status in timings]
        bad_status = [(step, status) for step, _t, status in timings if status >= 400]
        print()
        print(f"families: {args.families}, clients: {args.clients}, gunicorn workers: {args.workers} × 4 threads"
              + allocation_summary)
        print(f"requests: {len(timings)} in {wall:.1f} s = {len(timings) / wall:.1f} requests/s; "
              f"errors: {len(errors)} flows failed, {len(bad_status)} responses ≥ 400")
        print(f"latency per request: p50 {percentile(durations, 50) * 1000:.0f} ms, "
              f"p95 {percentile(durations, 95) * 1000:.0f} ms, p99 {percentile(durations, 99) * 1000:.0f} ms, "
              f"mean {statistics.fmean(durations) * 1000:.0f} ms" if durations else "no requests")
        by_step = defaultdict(list)
        for step, t, _status in timings:
            by_step[step].append(t)
        for step, values in sorted(by_step.items(), key=lambda kv: -percentile(kv[1], 95)):
            print(f"  {step:<22} n={len(values):>6}  p50 {percentile(values, 50) * 1000:6.0f} ms  "
                  f"p95 {percentile(values, 95) * 1000:6.0f} ms  p99 {percentile(values, 99) * 1000:6.0f} ms")
        lost = args.families - submitted
        print(f"applications: {total} in the database, {submitted} submitted, {lost} lost, "
              f"{duplicated} children with more than one")
        for line in errors[:10]:
            print("  error:", line)
        return 0 if not errors and not lost and not duplicated else 1
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
        if not args.keep:
            subprocess.run(["psql", admin, "-qAtc", f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)'])


if __name__ == "__main__":
    sys.exit(main())
