"""Web load benchmark: simulated families through the real HTTP flow against the production setup.

    .venv/bin/python benchmarks/web_load.py --families 1000 --clients 50 --think 2-4
    .venv/bin/python benchmarks/web_load.py --families 2000 --clients 50 --think 2-4 --seeded-accounts --with-allocation
    .venv/bin/python benchmarks/web_load.py --families 300 --clients 50          # saturation: no think time

What it does:
  1. creates a PostgreSQL database of its own (``afterschool_bench``; dropped at the end unless
     --keep), migrates it, collects static files and seeds a city: schools, clubs, an open round
     (and, with --seeded-accounts, ``--families`` confirmed accounts with a household of two
     guardians and one child);
  2. starts gunicorn with config/gunicorn.conf.py on 127.0.0.1 (DEBUG=0, PostgreSQL, whitenoise),
     warms its workers up with a few unmeasured GETs of the sign-in and sign-up pages, and starts
     the task worker (``manage.py db_worker``) that sends the e-mails, both with Django's
     file-based e-mail backend writing to a temporary directory (EMAIL_FILE_PATH) and MEDIA_ROOT
     in a temporary directory;
  3. runs ``--clients`` threads, each taking families from a queue and walking the real pages
     with http.client, every form read from the HTML the server sent (CSRF token included):
       - the sign-up page, sign-up, the "check your e-mail" page;
       - the confirmation e-mail: the client waits until the worker has written it to the mail
         directory (the waiting is counted apart, it is not an HTTP request), opens the link and
         confirms (which signs the family in);
       - the household pages: the address and phone, two working guardians with their days and
         hours, the child (every ``--siblings-every``-th family: two siblings), each added through
         its own page and followed back to the household overview, links taken from the pages;
       - the application wizard from the household page's "apply" link: children (siblings as
         "the same club or none"), club choices, KoKoA, documents (one small real PDF, different
         for each family, uploaded as multipart/form-data), the confirmation and the submission,
         to the receipt page;
     with --seeded-accounts, the quick path instead: sign-in page, sign in, family home and the
     same wizard (PDF upload included);
  4. with --with-allocation, a staff member starts allocation runs of another round while the
     families apply, a new one as soon as the last has ended, until the last family is done (a
     second db_worker, so the e-mails do not wait behind a run); the task workers run at
     ``--worker-nice`` (10) as docs/deployment.md advises for a machine shared with the web server;
  5. checks the database: one account and household per family, exactly one submitted
     application per child, none lost, none twice, and each uploaded document stored once per
     application with the bytes the client sent, its file present;
  6. prints requests per second, p50/p95/p99 per request and per step, the e-mail waiting
     time, errors, and the CPU seconds used by gunicorn, the task workers, PostgreSQL and the
     load generator itself during the run (from /proc: on 2 cores they all compete).
"""

from __future__ import annotations

import argparse
import datetime
import email
import email.policy
import hashlib
import html as html_lib
import http.client
import json
import os
import queue
import random
import re
import resource
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from email.utils import getaddresses
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PASSWORD = "bench-horse-battery-42"
MAIL_TIMEOUT = 300
CONFIRM_LINK_RE = re.compile(r"https?://[^/\s]+(/family/account/confirm/[^\s/]+/)")


# --- a tiny browser ---------------------------------------------------------------------------

class FormParser(HTMLParser):
    """The POST forms of a page: action, enctype, fields (name → list of (type, value, checked))."""

    def __init__(self):
        super().__init__()
        self.forms, self._form, self._select = [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "get").lower() == "post":
            self._form = {"action": a.get("action") or "", "enctype": a.get("enctype") or "",
                          "fields": defaultdict(list), "buttons": []}
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


def parse_forms(html):
    parser = FormParser()
    parser.feed(html)
    return parser.forms


def fill(form, values=None, *, person=True) -> list[tuple[str, str]]:
    """The fields to send. ``values`` are what the family types or picks (a list for several
    ticked boxes); every name must be a field of the form, so a changed form fails loudly.

    person=True (the wizard): hidden values, the first child, clubs in order, agree ticked, the
    first option of any other select. person=False (the household pages): what a browser sends
    for the fields left alone (text as shown, a select's selected or first option, ticked boxes).
    """
    values = dict(values or {})
    unknown = sorted(name for name in values if name not in form["fields"])
    if unknown:
        raise RuntimeError(f"the form {form['action'] or '(same page)'} has no field {', '.join(unknown)}")
    data, used_clubs = [], set()
    for name, entries in form["fields"].items():
        if name in values:
            value = values[name]
            data.extend((name, str(v)) for v in (value if isinstance(value, (list, tuple)) else [value]))
            continue
        kind = entries[0][0]
        if kind == "file":
            continue
        if not person:
            if kind == "select":
                options = entries[1:]
                chosen = next((v for k, v, c in options if c), options[0][1] if options else None)
                if chosen is not None:
                    data.append((name, chosen))
            elif kind in ("checkbox", "radio"):
                data.extend((name, v) for k, v, c in entries if c)
            else:
                data.append((name, entries[0][1]))
            continue
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


def multipart(fields, files) -> tuple[bytes, str]:
    """A multipart/form-data body as a browser sends it: fields, then (name, filename, type, bytes)."""
    boundary = "----web_load" + secrets.token_hex(12)
    parts = []
    for name, value in fields:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
                     + str(value).encode() + b"\r\n")
    for name, filename, content_type, content in files:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: {content_type}\r\n\r\n".encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def page_errors(html) -> list[str]:
    """The messages a person would read: the error summary and the field errors, as text."""
    blocks = re.findall(r'<div class="error-summary".*?</div>', html, re.S)
    blocks += re.findall(r'<div class="field-error"[^>]*>.*?</div>', html, re.S)
    texts = [" ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", b)).split()) for b in blocks]
    return [t for t in texts if t][:4]


def link(html, pattern, what) -> str:
    """The first link on the page whose path matches ``pattern`` (what a person would click)."""
    for href in re.findall(r'href="([^"]+)"', html):
        path = urlsplit(html_lib.unescape(href)).path
        if re.fullmatch(pattern, path):
            return path
    raise RuntimeError(f"no link to {what} on the page")


def by_action(path):
    """Chooser: the form that posts to ``path`` (or to the page itself)."""
    def choose(forms):
        for form in forms:
            if urlsplit(form["action"]).path in ("", path):
                return form
        raise RuntimeError(f"no form posting to {path} on the page")
    return choose


class Browser:
    def __init__(self, host, port, timings, lock, think=(0.0, 0.0), rng=None):
        self.host, self.port, self.cookies = host, port, {}
        self.timings, self.lock = timings, lock
        self.conn = http.client.HTTPConnection(host, port, timeout=60)
        # Seconds a person spends on a form before sending it (uniform in [low, high]); 0 = none.
        self.think, self.rng = think, rng or random.Random(0)

    def request(self, method, path, step, body=None, referer=None, content_type="application/x-www-form-urlencoded"):
        headers = {"Host": f"{self.host}:{self.port}", "User-Agent": "web_load"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = content_type
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
                # A keep-alive connection the server closed (idle, or a worker restarting): reconnect once.
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

    def post_form(self, path, html, step, choose=None, values=None, person=True, files=()):
        """Submit a form of the page; the answer must be a redirect, whose path is returned."""
        forms = [f for f in parse_forms(html) if "logout" not in f["action"]]
        if not forms:
            raise RuntimeError(f"no form on {path}")
        form = choose(forms) if choose else forms[-1]
        data = fill(form, values, person=person)
        target = urlsplit(form["action"]).path or path
        if self.think[1] > 0:
            time.sleep(self.rng.uniform(*self.think))
        if files:
            data += [b for b in form["buttons"] if b[0] == "upload"]
            body, content_type = multipart(data, files)
            status, location, answer = self.request("POST", target, step, body, referer=path, content_type=content_type)
        else:
            status, location, answer = self.request("POST", target, step, urlencode(data), referer=path)
        if status not in (302, 303):
            raise RuntimeError(f"POST {target} → {status} {page_errors(answer)}")
        return urlsplit(location).path


# --- the confirmation e-mails -----------------------------------------------------------------

class Mailbox:
    """Reads the messages Django's file-based backend writes (several per file, each followed by
    a line of 79 dashes) and hands them to the clients waiting for them, by recipient."""

    SEPARATOR = b"\n" + b"-" * 79 + b"\n"

    def __init__(self, directory: Path):
        self.directory = directory
        self.offsets, self.settled = {}, set()
        self.messages = defaultdict(list)  # address → [(subject, body)]
        self.changed = threading.Condition()
        self.waiting = 0
        self.stopped = False
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _watch(self):
        last_seen = {}
        while not self.stopped:
            with self.changed:
                idle = self.waiting == 0
            if not idle:
                self._scan(last_seen)
            time.sleep(0.1)

    def _scan(self, last_seen):
        now = time.monotonic()
        for entry in os.scandir(self.directory):
            if entry.name in self.settled:
                continue
            size = entry.stat().st_size
            done = self.offsets.get(entry.name, 0)
            if size == done:
                # A file's name carries its second: after a few quiet seconds nothing is appended.
                if now - last_seen.get(entry.name, now) > 5:
                    self.settled.add(entry.name)
                continue
            last_seen[entry.name] = now
            with open(entry.path, "rb") as stream:
                stream.seek(done)
                data = stream.read(size - done)
            consumed = 0
            found = []
            while (end := data.find(self.SEPARATOR, consumed)) >= 0:
                found.append(email.message_from_bytes(data[consumed:end], policy=email.policy.default))
                consumed = end + len(self.SEPARATOR)
            self.offsets[entry.name] = done + consumed
            if found:
                with self.changed:
                    for message in found:
                        body = message.get_body(preferencelist=("plain",))
                        text = body.get_content() if body is not None else ""
                        for _name, address in getaddresses(message.get_all("To", [])):
                            self.messages[address.lower()].append((str(message["Subject"]), text))
                    self.changed.notify_all()

    def wait_for(self, address, pattern, timeout=MAIL_TIMEOUT) -> re.Match:
        """The first match of ``pattern`` in a message to ``address``, waiting for it to arrive."""
        deadline = time.monotonic() + timeout
        with self.changed:
            self.waiting += 1
            try:
                while True:
                    for _subject, text in self.messages.get(address, []):
                        if match := pattern.search(text):
                            return match
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise RuntimeError(f"no e-mail to {address} matching {pattern.pattern} "
                                           f"within {timeout} s")
                    self.changed.wait(min(remaining, 1))
            finally:
                self.waiting -= 1

    def count(self, address) -> int:
        with self.changed:
            return len(self.messages.get(address, []))

    def drain(self, seconds):
        """Read what has arrived during ``seconds`` more (after the run: the receipts)."""
        last_seen = {}
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self._scan(last_seen)
            time.sleep(0.5)

    def stop(self):
        self.stopped = True
        self.thread.join()


# --- the families -----------------------------------------------------------------------------

@dataclass
class Family:
    n: int
    email: str
    siblings: bool
    pdf: bytes = b""
    pdf_sha256: str = ""
    pdf_name: str = ""

    def __post_init__(self):
        self.pdf = minimal_pdf(f"Certificate of employment - bench family {self.n}")
        self.pdf_sha256 = hashlib.sha256(self.pdf).hexdigest()
        self.pdf_name = f"employment-{self.n}.pdf"

    @property
    def children(self) -> int:
        return 2 if self.siblings else 1


def minimal_pdf(text: str) -> bytes:
    """A valid one-page PDF (catalogue, page tree, page, content stream, font, exact xref)."""
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("ascii")
    content = b"BT /F1 12 Tf 72 770 Td (" + escaped + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def upcoming_fiscal_year() -> int:
    """The school year families apply for (as enrollment.forms.household computes it)."""
    today = datetime.datetime.now(ZoneInfo("Asia/Tokyo")).date()
    return (today.year if today.month >= 4 else today.year - 1) + 1


FAMILY_NAMES = [("泊江", "トマエ"), ("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("田中", "タナカ"),
                ("伊藤", "イトウ"), ("渡辺", "ワタナベ"), ("山本", "ヤマモト"), ("中村", "ナカムラ"), ("小林", "コバヤシ")]


def household_values(family: Family) -> dict:
    n = family.n
    return {"postal_code": f"201-{n % 10000:04d}", "address": f"泊江市中央{n % 9 + 1}-{n % 30 + 1}-{n % 20 + 1}",
            "phone": f"042-5{n // 10000 % 10}{n // 1000 % 10}-{n % 10000:04d}"}


def guardian_values(family: Family, order: int) -> dict:
    family_name, family_kana = FAMILY_NAMES[family.n % len(FAMILY_NAMES)]
    given, kana, relationship = (("花子", "ハナコ", "母") if order == 1 else ("太郎", "タロウ", "父"))
    return {"family_name": family_name, "given_name": given, "family_kana": family_kana, "given_kana": kana,
            "relationship": relationship, "employer": "泊江市役所" if order == 1 else "株式会社泊江製作所",
            "reason": "work", "days_per_month": 20 + order, "hours_per_day": "8" if order == 1 else "9.5",
            "afternoon_hours": "4"}


def child_values(family: Family, number: int, schools: list[str]) -> dict:
    family_name, family_kana = FAMILY_NAMES[family.n % len(FAMILY_NAMES)]
    given, kana = (("一郎", "イチロウ") if number == 1 else ("葵", "アオイ"))
    fy = upcoming_fiscal_year()
    # The first child starts grade 1 in April; an older sibling is in grade 3.
    year = fy - 7 if number == 1 else fy - 9
    if not schools:
        raise RuntimeError("no school to choose on the child page")
    return {"family_name": family_name, "given_name": given, "family_kana": family_kana, "given_kana": kana,
            "birth_date_0": year, "birth_date_1": 4 + family.n % 9, "birth_date_2": 1 + family.n % 28,
            "school": schools[family.n % len(schools)]}


def school_options(html) -> list[str]:
    form = by_action("/family/household/children/add/")(parse_forms(html))
    return [v for k, v, c in form["fields"].get("school", [])[1:] if v]


def signup_flow(browser, family: Family, mailbox: Mailbox, mail_waits, lock) -> str:
    """Sign-up, the e-mail, confirmation, the household; returns the household page's HTML."""
    html = browser.get("/family/account/signup/", "sign-up page")
    sent = browser.post_form("/family/account/signup/", html, "sign up", choose=by_action("/family/account/signup/"),
                             person=False, values={"email": family.email, "password1": PASSWORD, "password2": PASSWORD})
    browser.get(sent, "sign-up sent page")
    started = time.perf_counter()
    confirm = mailbox.wait_for(family.email, CONFIRM_LINK_RE).group(1)
    with lock:
        mail_waits.append(time.perf_counter() - started)
    html = browser.get(confirm, "e-mail confirm page")
    home = browser.post_form(confirm, html, "e-mail confirm", choose=by_action(confirm), person=False)
    html = browser.get(home, "household page")

    edit = link(html, r"/family/household/edit/", "the address page")
    html = browser.get(edit, "address page")
    back = browser.post_form(edit, html, "address post", choose=by_action(edit), person=False,
                             values=household_values(family))
    html = browser.get(back, "household page")
    for order in (1, 2):
        add = link(html, r"/family/household/guardians/add/", "adding a guardian")
        html = browser.get(add, "guardian page")
        back = browser.post_form(add, html, "guardian post", choose=by_action(add), person=False,
                                 values=guardian_values(family, order))
        html = browser.get(back, "household page")
    for number in range(1, family.children + 1):
        add = link(html, r"/family/household/children/add/", "adding a child")
        html = browser.get(add, "child page")
        back = browser.post_form(add, html, "child post", choose=by_action(add), person=False,
                                 values=child_values(family, number, school_options(html)))
        html = browser.get(back, "household page")
    return html


def seeded_flow(browser, family: Family) -> None:
    html = browser.get("/login/", "login page")
    browser.post_form("/login/", html, "sign in", values={"username": family.email, "password": PASSWORD})
    browser.get("/family/", "family home")


def apply_flow(browser, family: Family, start: str) -> None:
    """The wizard from its first page to the receipt, with one PDF uploaded on the documents step."""
    path, uploaded = start, False
    for _step in range(16):
        page = "start" if path == start else path.rstrip("/").rsplit("/", 1)[-1]
        html = browser.get(path, f"{page} page")
        if page == "receipt":
            return
        if page == "documents" and not uploaded:
            path = browser.post_form(path, html, "upload", choose=lambda forms: next(
                f for f in forms if "file" in f["fields"]), values={"kind": "employment", "guardian": "1"},
                files=[("file", family.pdf_name, "application/pdf", family.pdf)])
            uploaded = True
            continue
        if page == "documents" and family.pdf_name not in html:
            raise RuntimeError("the uploaded document is not listed on the documents page")
        values = {}
        if page == "start":
            form = parse_forms(html)[-1]
            children = [v for k, v, c in form["fields"].get("children", [])]
            if len(children) != family.children:
                raise RuntimeError(f"the start page offers {len(children)} children, expected {family.children}")
            values["children"] = children
            if family.siblings:
                values["sibling_mode"] = "together"
        step = "submit" if page == "confirm" else f"{page} post"
        # The documents page has an upload form and a "continue" form; continue is the one without a file.
        path = browser.post_form(path, html, step, values=values, choose=lambda forms: next(
            (f for f in reversed(forms) if not any(n == "upload" for n, _v in f["buttons"])
             and "file" not in f["fields"]), forms[-1]))
    raise RuntimeError("no receipt after 16 steps")


# --- CPU accounting from /proc ------------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid):
    """(ppid, own CPU s, reaped children's CPU s, command line) of a process, or None if gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stream:
            raw = stream.read().decode("utf-8", "replace")
        with open(f"/proc/{pid}/cmdline", "rb") as stream:
            cmdline = stream.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return None
    rest = raw[raw.rindex(")") + 2:].split()
    return int(rest[1]), (int(rest[11]) + int(rest[12])) / TICK, (int(rest[13]) + int(rest[14])) / TICK, cmdline


def _processes():
    found = {}
    for name in os.listdir("/proc"):
        if name.isdigit() and (info := _stat(int(name))) is not None:
            found[int(name)] = info
    return found


def tree_cpu(processes, root) -> float:
    """CPU of a process and all its descendants, living or reaped (reaped ones count in their
    parent's children time), in seconds."""
    children = defaultdict(list)
    for pid, (ppid, *_rest) in processes.items():
        children[ppid].append(pid)
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        if pid in processes:
            _ppid, own, reaped, _cmd = processes[pid]
            total += own + reaped
            todo.extend(children[pid])
    return total


class CpuMeter:
    """Samples /proc once a second: gunicorn's and the workers' trees, the whole PostgreSQL
    server (every database, so other people's tests too) and the backends of the benchmark's
    own database (their process title names it), and the client's own CPU (getrusage)."""

    def __init__(self, groups: dict[str, int], database: str):
        self.groups, self.database = groups, database
        self.postmaster = self._postmaster()
        self.backends = {}  # pid → (CPU at the start, last CPU): 0 at the start for those born later
        self.running = False
        self.first = self._totals()
        self.running = True
        self.client_first = self._client()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    @staticmethod
    def _client():
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    def _postmaster(self):
        for pid, (ppid, _own, _reaped, cmd) in _processes().items():
            if re.search(r"(^|/)(postgres|postmaster) ", cmd + " ") and not cmd.startswith("postgres:"):
                parent = _stat(ppid)
                if parent is None or "postgres" not in parent[3]:
                    return pid
        return None

    def _totals(self):
        processes = _processes()
        totals = {name: tree_cpu(processes, pid) for name, pid in self.groups.items()}
        if self.postmaster is not None:
            totals["PostgreSQL (whole server)"] = tree_cpu(processes, self.postmaster)
            marker = f" {self.database} "
            for pid, (ppid, own, _reaped, cmd) in processes.items():
                if ppid == self.postmaster and cmd.startswith("postgres:") and marker in cmd + " ":
                    first = self.backends[pid][0] if pid in self.backends else (0.0 if self.running else own)
                    self.backends[pid] = (first, own)
        return totals

    def _loop(self):
        while not self.stopped.wait(1):
            self._totals()

    def stop(self) -> dict[str, float]:
        self.stopped.set()
        self.thread.join()
        last = self._totals()
        used = {name: last[name] - self.first.get(name, 0.0) for name in last}
        if self.postmaster is not None:
            used[f"PostgreSQL backends of {self.database}"] = sum(l - f for f, l in self.backends.values())
        used["load generator (this process)"] = self._client() - self.client_first
        return used


# --- the setup --------------------------------------------------------------------------------

SEED = r"""
import datetime
from decimal import Decimal
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from enrollment.forms.household import upcoming_fiscal_year
from enrollment.models import Round, User, Application
from tests import builders as b

families = int(FAMILIES)
fy = b.fiscal_year(upcoming_fiscal_year(timezone.localdate()))
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
# Until the families are done (the benchmark creates STOP), a new run as soon as the last one ends.
import os
stop = STOP_FILE
started = 0
while not os.path.exists(stop):
    if not AllocationRun.objects.filter(round=rnd, status__in=["queued", "running"]).exists():
        try:
            allocation_run_start(round_=rnd, actor=staff, ties="maximize_placed", seed=started + 1)
            started += 1
        except ServiceError:
            pass
    time.sleep(1)
print(started, AllocationRun.objects.filter(round=rnd, status="finished").count())
"""

# The families as the client expects them (JSON in EXPECTED), against what the database holds.
CHECK = r"""
import hashlib, json
from django.db.models import Count
from enrollment.models import Application, Document, User
expected = json.loads(open(EXPECTED, encoding="utf-8").read())
round_id = int(ROUND)
qs = Application.objects.filter(round_id=round_id)
users = {u.email: u for u in User.objects.filter(email__in=[f["email"] for f in expected]).select_related("household")}
report = {"applications": qs.count(), "submitted": qs.exclude(status="draft").count(),
          "duplicated": qs.exclude(status="draft").values("child_id").annotate(n=Count("pk")).filter(n__gt=1).count(),
          "accounts_missing": 0, "unconfirmed": 0, "households_missing": 0, "children_wrong": 0,
          "guardians_wrong": 0, "lost": 0, "documents_wrong": [], "documents_ok": 0, "files_missing": 0}
docs = {}
for d in Document.objects.filter(application__round_id=round_id).select_related("application__child"):
    docs.setdefault(d.application.child.household_id, []).append(d)
for f in expected:
    user = users.get(f["email"])
    if user is None:
        report["accounts_missing"] += 1
        report["lost"] += f["children"]
        continue
    if user.email_confirmed_at is None or not user.is_active:
        report["unconfirmed"] += 1
    household = user.household
    if household is None:
        report["households_missing"] += 1
        report["lost"] += f["children"]
        continue
    if household.guardians.count() != 2:
        report["guardians_wrong"] += 1
    children = list(household.children.values_list("pk", flat=True))
    if len(children) != f["children"]:
        report["children_wrong"] += 1
    submitted = set(qs.exclude(status="draft").filter(child_id__in=children).values_list("child_id", flat=True))
    report["lost"] += f["children"] - len(submitted)
    mine = [d for d in docs.get(household.pk, []) if d.application.status != "draft"]
    per_application = {}
    for d in mine:
        per_application.setdefault(d.application_id, []).append(d)
    stored = {d.file.name for d in mine}
    good = (len(per_application) == len(submitted) and all(len(v) == 1 for v in per_application.values())
            and all(d.sha256 == f["sha256"] for d in mine) and len(stored) == 1)
    if good:
        name = stored.pop()
        try:
            with mine[0].file.storage.open(name, "rb") as stream:
                good = hashlib.sha256(stream.read()).hexdigest() == f["sha256"]
        except OSError:
            report["files_missing"] += 1
            good = False
    if good:
        report["documents_ok"] += 1
    elif len(report["documents_wrong"]) < 5:
        report["documents_wrong"].append(f"{f['email']}: {len(mine)} documents for {len(submitted)} applications, "
                                         f"{len({d.file.name for d in mine})} stored files")
print(json.dumps(report))
"""


def env_for(db_url, mail_dir, media_root):
    return {**os.environ, "DEBUG": "0", "HTTPS": "0", "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost", "DATABASE_URL": db_url, "REQUIRE_2FA": "1",
            "TESTING": "", "TASKS_IMMEDIATE": "0", "LOG_LEVEL": "WARNING", "CONN_MAX_AGE": "60",
            "GUNICORN_ACCESS_LOG": "/dev/null", "MEDIA_ROOT": str(media_root),
            # No SMTP server here: the worker writes every e-mail to a file the client reads.
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend", "EMAIL_FILE_PATH": str(mail_dir)}


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
    parser.add_argument("--seeded-accounts", action="store_true",
                        help="the quick path: seeded confirmed accounts with a household; sign in and apply")
    parser.add_argument("--siblings-every", type=int, default=4,
                        help="every N-th family enters two siblings and applies for both (0: never)")
    parser.add_argument("--with-allocation", action="store_true")
    parser.add_argument("--waiting", type=int, default=600, help="applications in the round staff allocate")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="afterschool_bench")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("GUNICORN_WORKERS", str(2 * (os.cpu_count() or 2)))))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("GUNICORN_THREADS", "1")),
                        help="threads per gunicorn worker (1: the sync worker)")
    parser.add_argument("--worker-nice", type=int, default=10,
                        help="niceness of the task workers (0: the same CPU priority as the web server)")
    parser.add_argument("--think", default="0", metavar="LOW-HIGH",
                        help="seconds each simulated person spends on a form before sending it, uniform in "
                             "[LOW, HIGH] (e.g. 2-6); 0 (the default): none, every client sends its next request "
                             "the moment the previous answer arrives")
    parser.add_argument("--keep", action="store_true", help="keep the database and the mail and media directories")
    args = parser.parse_args()
    low, _, high = args.think.partition("-")
    try:
        think = (float(low), float(high or low))
    except ValueError:
        parser.error("--think takes seconds as LOW-HIGH, e.g. 2-6")
    if not 0 <= think[0] <= think[1]:
        parser.error("--think: LOW must be at least 0 and at most HIGH")

    db_url = f"{args.server}/{args.database}"
    admin = f"{args.server}/postgres"
    subprocess.run(["psql", admin, "-qAtc", f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)'], check=True)
    subprocess.run(["psql", admin, "-qAtc", f'CREATE DATABASE "{args.database}"'], check=True)
    scratch = Path(tempfile.mkdtemp(prefix="web_load-"))
    mail_dir, media_root = scratch / "mail", scratch / "media"
    mail_dir.mkdir()
    media_root.mkdir()
    env = env_for(db_url, mail_dir, media_root)
    processes = []
    families = [Family(n, f"family{n}@bench.example.jp",
                       siblings=not args.seeded_accounts and args.siblings_every > 0 and n % args.siblings_every
                       == args.siblings_every - 1)
                for n in range(args.families)]
    try:
        seeded = args.families if args.seeded_accounts else 0
        print(f"Setting up {args.database}: migrate, collectstatic, seed the city"
              + (f" and {seeded} families" if seeded else "") + " …", flush=True)
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "collectstatic", "--noinput", "-v", "0")
        code = SEED.replace("int(FAMILIES)", str(seeded)).replace(
            "int(WAITING)", str(args.waiting if args.with_allocation else 0)).replace("PASSWORD)", repr(PASSWORD) + ")")
        round_id, other_id, staff_id = manage(env, "shell", code=code).split()

        # The task workers as deployed (docs/deployment.md): every queue; with allocations a second
        # one, so e-mails are not held behind a run. Started first: they boot while gunicorn does.
        # On one machine with the web server they run at a lower CPU priority (nice), as the
        # deployment guide says, so that an allocation run takes the CPU the pages leave.
        workers = []
        for number in range(1, 3 if args.with_allocation else 2):
            worker = subprocess.Popen(["nice", "-n", str(args.worker_nice), PY, "manage.py", "db_worker",
                                       "--queue-name", "allocation,letters,default"],
                                      cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                      stderr=open(scratch / f"db_worker-{number}.log", "wb"))
            processes.append(worker)
            workers.append(worker)

        server_log = open(scratch / "gunicorn.log", "wb")
        gunicorn_env = {**env, "GUNICORN_BIND": f"127.0.0.1:{args.port}", "GUNICORN_WORKERS": str(args.workers),
                        "GUNICORN_THREADS": str(args.threads)}
        server = subprocess.Popen([PY, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi"],
                                  cwd=ROOT, env=gunicorn_env, stdout=subprocess.DEVNULL, stderr=server_log)
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

        # Warm-up, not measured: each gunicorn worker loads URLs, templates and translations on
        # its first requests (seconds on two busy cores); the run measures the steady state.
        def warm(paths):
            conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=60)
            for path in paths:
                conn.request("GET", path)
                conn.getresponse().read()
            conn.close()
        warmers = [threading.Thread(target=warm, args=(["/login/", "/family/account/signup/"] * 2,))
                   for _ in range(args.workers * 4)]
        for thread in warmers:
            thread.start()
        for thread in warmers:
            thread.join()

        allocation = None
        if args.with_allocation:
            stop_file = scratch / "families-done"
            alloc_code = ALLOCATE.replace("int(OTHER)", other_id).replace("int(STAFF)", staff_id).replace(
                "STOP_FILE", repr(str(stop_file)))
            allocation = subprocess.Popen([PY, "manage.py", "shell", "-c", alloc_code], cwd=ROOT, env=env,
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

        mailbox = Mailbox(mail_dir)
        work = queue.Queue()
        for family in families:
            work.put(family)
        timings, mail_waits, errors, lock = [], [], [], threading.Lock()
        apply_start = f"/family/apply/{round_id}/"

        def client():
            while True:
                try:
                    family = work.get_nowait()
                except queue.Empty:
                    return
                browser = Browser("127.0.0.1", args.port, timings, lock, think=think,
                                  rng=random.Random(family.email))
                try:
                    if args.seeded_accounts:
                        seeded_flow(browser, family)
                        start = apply_start
                    else:
                        html = signup_flow(browser, family, mailbox, mail_waits, lock)
                        start = link(html, re.escape(apply_start), "applying")
                    apply_flow(browser, family, start)
                except Exception as error:  # noqa: BLE001 - every failure is counted
                    with lock:
                        errors.append(f"{family.email}: {error}")
                finally:
                    browser.conn.close()

        groups = {"gunicorn (master and workers)": server.pid}
        for number, worker in enumerate(workers, start=1):
            groups[f"db_worker {number}"] = worker.pid
        if allocation is not None:
            groups["staff starting runs (manage.py shell)"] = allocation.pid
        kind = "seeded accounts: sign in and apply" if args.seeded_accounts else "sign-up to submission"
        print(f"Running {args.families} families ({kind}) with {args.clients} concurrent clients …", flush=True)
        load_before = os.getloadavg()
        meter = CpuMeter(groups, args.database)
        started = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(args.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        cpu = meter.stop()
        load_after = os.getloadavg()

        allocation_summary = ""
        if allocation is not None:
            stop_file.touch()
            out, err = allocation.communicate(timeout=3600)
            runs_started, runs_finished = (out.strip().splitlines() or ["? ?"])[-1].split()
            allocation_summary = f"; staff started {runs_started} allocation runs meanwhile, {runs_finished} finished"

        # The receipts are e-mailed by the worker after each submission: give it a moment.
        mailbox.stop()
        mailbox.drain(10)
        receipts = sum(1 for f in families if mailbox.count(f.email) >= (1 if args.seeded_accounts else 2))

        expected_path = scratch / "expected.json"
        expected_path.write_text(json.dumps([{"email": f.email, "children": f.children, "sha256": f.pdf_sha256}
                                             for f in families]), encoding="utf-8")
        check = json.loads(manage(env, "shell", code=CHECK.replace("EXPECTED", repr(str(expected_path))).replace(
            "int(ROUND)", round_id)))

        durations = [t for _step, t, _status in timings]
        bad_status = [(step, status) for step, _t, status in timings if status >= 400]
        children = sum(f.children for f in families)
        print()
        print(f"families: {args.families} ({kind}; {children} children, "
              f"{sum(f.siblings for f in families)} families with two), clients: {args.clients}, "
              f"think time {args.think} s per form, task workers at nice {args.worker_nice}, gunicorn workers: {args.workers} × {args.threads} threads, task workers: {len(workers)}" + allocation_summary)
        print(f"load average (1 min) before the run {load_before[0]:.2f}, after {load_after[0]:.2f}")
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
        if mail_waits:
            print(f"waiting for the confirmation e-mail (not a request; in the wall time): n={len(mail_waits)}, "
                  f"p50 {percentile(mail_waits, 50) * 1000:.0f} ms, p95 {percentile(mail_waits, 95) * 1000:.0f} ms, "
                  f"max {max(mail_waits) * 1000:.0f} ms")
        print(f"receipt e-mails: {receipts} of {args.families} families had theirs within 10 s after the run")
        print(f"CPU seconds during the run ({wall:.1f} s of wall time, 2 cores = {2 * wall:.0f} CPU s available):")
        for name, seconds in cpu.items():
            print(f"  {name:<48} {seconds:8.1f} s  ({seconds / wall * 100:5.1f} % of one core)")
        print(f"accounts: {args.families - check['accounts_missing']} of {args.families}, "
              f"{check['unconfirmed']} unconfirmed, {check['households_missing']} without household, "
              f"{check['guardians_wrong']} without 2 guardians, {check['children_wrong']} with the wrong children")
        print(f"applications: {check['applications']} in the database, {check['submitted']} submitted for "
              f"{children} children, {check['lost']} lost, {check['duplicated']} children with more than one")
        print(f"documents: {check['documents_ok']} of {args.families} families have their PDF exactly once per "
              f"application, stored once, bytes intact ({check['files_missing']} files missing)")
        for line in check["documents_wrong"]:
            print("  document:", line)
        for line in errors[:10]:
            print("  error:", line)
        if errors or any(status >= 500 for _step, status in bad_status):
            for log in sorted(scratch.glob("*.log")):
                tail = log.read_text("utf-8", "replace").strip().splitlines()[-15:]
                if tail:
                    print(f"  last lines of {log.name}:", *tail, sep="\n    ")
        wrong = (check["accounts_missing"] or check["unconfirmed"] or check["households_missing"]
                 or check["guardians_wrong"] or check["children_wrong"])
        return 0 if not errors and not check["lost"] and not check["duplicated"] and not wrong \
            and check["documents_ok"] == args.families and not bad_status else 1
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
            shutil.rmtree(scratch, ignore_errors=True)
        else:
            print(f"kept: database {args.database}, mail and media in {scratch}")


if __name__ == "__main__":
    sys.exit(main())
