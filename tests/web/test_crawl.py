"""Crawl the whole site as each role, the way a person clicking every link would.

A small demo city (泊江市, 40 generated households) goes through a committed first round, so the
pages show offers, waiting children, issued letters and a run; then each role starts from its
home page and follows every same-site link the app renders. Every page must answer without a
server error, no link may lead to a 404, every HTML page has exactly one <h1> and a <title> and
no template debris, every hx-get answers an htmx request, and every form survives being posted
empty.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter, deque
from dataclasses import dataclass, field
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from enrollment import demo
from enrollment.models import AllocationRun, Application, Club, Letter, LetterBatch, Round, User
from enrollment.services.applications import application_accept
from enrollment.services.rounds import round_publish
from enrollment.services.runs import allocation_run_commit, allocation_run_execute, allocation_run_start
from enrollment.services.setup import round_close, round_open
from tests import builders as b

pytestmark = pytest.mark.django_db

PAGE_CAP = 400
# Month pickers and pagers lead on for ever; a few values of the same query show the page works.
VARIANTS_PER_QUERY = 3
COMMIT_DAY = datetime.date(2027, 1, 25)
# Downloads are checked for their status only; the mailing PDF of a whole run is large and its
# content is the letters tests' business, so the crawl does not fetch it.
SKIPPED_PATHS = re.compile(r"^/(static|media|admin)/|^/logout/|/mailings/[^/]+\.pdf$")
DOWNLOAD = re.compile(r"\.(pdf|xlsx|csv)$")
DESTRUCTIVE = re.compile(r"/(remove|withdraw|leave|decline|delete)/")
# Visible text that means a template printed nothing, or printed Python, where a value was due.
DEBRIS = re.compile(r"\{\{|\{%|%\}|\}\}|\bNone\b|\bFalse\b|\bTrue\b|&lt;[a-z]+[ >]|<bound method|object at 0x")


class PageParser(HTMLParser):
    """What the crawl needs of a page: links, htmx URLs, forms, headings, title, visible text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.hx_gets: list[str] = []
        self.forms: list[dict] = []
        self.h1 = 0
        self.titles: list[str] = []
        self.text: list[str] = []
        self._skip = 0
        self._in_title = False
        self._in_head = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if a.get("hx-get"):
            self.hx_gets.append(a["hx-get"])
        if tag == "form":
            self.forms.append({"method": (a.get("method") or "get").lower(), "action": a.get("action") or ""})
        if tag == "h1":
            self.h1 += 1
        if tag == "head":
            self._in_head = True
        # Charts carry SVG <title>s of their own; the page's title is the one in <head>.
        if tag == "title" and self._in_head:
            self._in_title = True
            self.titles.append("")
        if tag in ("script", "style", "template", "textarea"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template", "textarea") and self._skip:
            self._skip -= 1
        if tag == "title":
            self._in_title = False
        if tag == "head":
            self._in_head = False

    def handle_data(self, data):
        if self._in_title:
            self.titles[-1] += data
        elif not self._skip:
            self.text.append(data)


@dataclass
class CrawlReport:
    pages: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    forms: dict[str, str] = field(default_factory=dict)  # action URL -> page it was found on
    hx_gets: dict[str, str] = field(default_factory=dict)


def same_site(base: str, href: str) -> str | None:
    href = href.strip()
    if href.startswith(("mailto:", "tel:", "javascript:", "#")):
        return None
    url = urljoin(base, href)
    parts = urlsplit(url)
    if parts.netloc not in ("", "testserver"):
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return None if SKIPPED_PATHS.search(parts.path) else path


def check_html(url: str, html: str, report: CrawlReport, *, partial: bool = False) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    if not partial:
        if parser.h1 != 1:
            report.problems.append(f"{url}: {parser.h1} <h1> elements")
        if len(parser.titles) != 1 or not parser.titles[0].strip():
            report.problems.append(f"{url}: no <title>")
    visible = " ".join(" ".join(parser.text).split())
    for match in DEBRIS.finditer(visible):
        context = visible[max(0, match.start() - 40):match.end() + 40]
        report.problems.append(f"{url}: template debris {match.group()!r} in “{context}”")
    return parser


def crawl(client: Client, start: str, *, cap: int = PAGE_CAP) -> CrawlReport:
    report = CrawlReport()
    queue: deque[tuple[str, str]] = deque([(start, "(start)")])
    seen = {start}
    variants: Counter = Counter()

    def enqueue(target: str | None, referrer: str) -> None:
        if not target or target in seen:
            return
        seen.add(target)
        parts = urlsplit(target)
        if parts.query:
            shape = (parts.path, tuple(sorted(key for key, _ in parse_qsl(parts.query, keep_blank_values=True))))
            variants[shape] += 1
            if variants[shape] > VARIANTS_PER_QUERY:
                return
        queue.append((target, referrer))

    while queue and len(report.pages) < cap:
        url, referrer = queue.popleft()
        response = client.get(url)
        report.pages[url] = response.status_code
        if response.status_code >= 500:
            report.problems.append(f"{url} (linked from {referrer}): status {response.status_code}")
            continue
        if response.status_code in (403, 404):
            # A link the app shows must lead somewhere this person may go.
            report.problems.append(f"{url} (linked from {referrer}): link answers {response.status_code}")
            continue
        if response.status_code in (301, 302, 303, 307, 308):
            enqueue(same_site(url, response["Location"]), url)
            continue
        if response.status_code != 200 or DOWNLOAD.search(urlsplit(url).path):
            continue
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        parser = check_html(url, response.content.decode(), report)
        for href in parser.links:
            enqueue(same_site(url, href), url)
        for hx in parser.hx_gets:
            target = same_site(url, hx)
            if target:
                report.hx_gets.setdefault(target, url)
        for form in parser.forms:
            target = same_site(url, form["action"] or url)
            if target is None:
                continue
            if form["method"] == "post":
                report.forms.setdefault(target, url)
            else:
                # A GET form (a filter) submitted as it stands is one more page.
                enqueue(target, url)
    return report


def check_htmx(client: Client, report: CrawlReport) -> None:
    for url, page in report.hx_gets.items():
        response = client.get(url, HTTP_HX_REQUEST="true")
        if response.status_code != 200:
            report.problems.append(f"hx-get {url} (on {page}): status {response.status_code}")
        else:
            check_html(url, response.content.decode(), report, partial=True)


def post_forms_empty(client: Client, user: User, report: CrawlReport) -> None:
    """Post every form with nothing in it: the answer is the form again with errors, a redirect,
    or a refusal (read-only staff), never a server error.

    Forms that remove or end something are posted last, since an empty POST may well succeed
    there; once one has, the object it removed may answer 404 to the posts after it."""
    removed = False
    for url, page in sorted(report.forms.items(), key=lambda item: bool(DESTRUCTIVE.search(item[0]))):
        client.force_login(user)
        response = client.post(url, {})
        if response.status_code == 404 and removed:
            continue
        if response.status_code not in (200, 302, 303, 400, 403, 409):
            report.problems.append(f"empty POST to {url} (form on {page}): status {response.status_code}")
        elif response.status_code in (200, 400) and response.get("Content-Type", "").startswith("text/html"):
            # The form again, with its errors, is a page like any other.
            check_html(f"POST {url}", response.content.decode(), report)
        removed = removed or (response.status_code in (302, 303) and bool(DESTRUCTIVE.search(url)))


# --- the city --------------------------------------------------------------------------------

@dataclass
class World:
    family: User
    offered_family: User
    waiting_family: User
    staff: User
    read_only: User
    operator: User


@pytest.fixture
def world(django_capture_on_commit_callbacks) -> World:
    city = demo.load_demo_city()
    demo.generate_population(households=40, seed=3, round=city.first_round, accepted_share=0.9,
                             returned_share=0.03)
    demo.create_demo_accounts(first_round=city.first_round)
    staff = User.objects.get(email=demo.STAFF_EMAIL)
    first = city.first_round
    for application in Application.objects.filter(round=first, status=Application.Status.SUBMITTED):
        application_accept(application=application, actor=staff)
    round_close(actor=staff, round_=Round.objects.get(pk=first.pk))
    # Two places a club (3.30 m² ÷ 1.65) leave children waiting, so waiting lists show on the pages.
    Club.objects.update(floor_area_m2=Decimal("3.30"))
    run = allocation_run_start(round_=Round.objects.get(pk=first.pk), actor=staff, ties="lottery_first", seed=3,
                               enqueue=False, elastic_ratios={})
    allocation_run_execute(run_id=run.pk, time_limit=30)
    run.refresh_from_db()
    assert run.status == AllocationRun.Status.FINISHED, run.error
    with django_capture_on_commit_callbacks(execute=True):
        allocation_run_commit(run=run, actor=staff, today=COMMIT_DAY)
    assert not LetterBatch.objects.filter(status=LetterBatch.Status.FAILED).exists(), \
        LetterBatch.objects.values_list("error", flat=True).first()
    round_publish(round_=Round.objects.get(pk=first.pk), actor=staff, publish_at=timezone.now())
    # The second round is open now, so families have an application window to crawl into.
    Round.objects.filter(fiscal_year=city.fiscal_year, kind=Round.Kind.SECOND).update(
        opens_at=timezone.now() - datetime.timedelta(days=1))
    round_open(actor=staff, round_=Round.objects.get(fiscal_year=city.fiscal_year, kind=Round.Kind.SECOND))

    offered = Application.objects.filter(round=first, status=Application.Status.OFFERED).first()
    waiting = Application.objects.filter(round=first, status=Application.Status.WAITLISTED).first()
    assert offered is not None and waiting is not None, "the demo city should place some children, not all"
    return World(
        family=User.objects.get(email=demo.FAMILY_EMAIL),
        offered_family=b.family_user(offered.child.household),
        waiting_family=b.family_user(waiting.child.household),
        staff=staff,
        read_only=User.objects.get(email=demo.READONLY_EMAIL),
        operator=User.objects.get(email=demo.OPERATOR_EMAIL),
    )


def crawl_as(user: User, start: str = "/") -> CrawlReport:
    client = Client()
    client.force_login(user)
    report = crawl(client, start)
    check_htmx(client, report)
    post_forms_empty(client, user, report)
    return report


def assert_clean(report: CrawlReport, *, at_least: int) -> None:
    print(f"\n{len(report.pages)} pages, {len(report.hx_gets)} hx-get URLs, {len(report.forms)} forms posted empty")
    assert not report.problems, "\n".join(report.problems)
    assert len(report.pages) >= at_least, sorted(report.pages)


# --- the crawls ------------------------------------------------------------------------------

def test_it_crawls_every_page_a_family_with_a_draft_reaches(world):
    report = crawl_as(world.family)
    assert_clean(report, at_least=8)
    assert any(url.startswith("/family/apply/") for url in report.pages)


def test_it_crawls_every_page_a_family_with_an_offer_reaches(world):
    report = crawl_as(world.offered_family)
    assert_clean(report, at_least=8)
    assert any(url.endswith("/offer/accept/") for url in report.pages)
    assert any(url.startswith("/family/letters/") for url in report.pages)


def test_it_crawls_every_page_a_waiting_family_reaches(world):
    report = crawl_as(world.waiting_family)
    assert_clean(report, at_least=8)
    assert any(url.startswith("/family/applications/") for url in report.pages)


def test_it_crawls_every_page_full_staff_reach(world):
    report = crawl_as(world.staff)
    assert_clean(report, at_least=40)
    assert any(url.startswith("/staff/letters/") for url in report.pages)
    assert Letter.objects.exists()


def test_it_crawls_every_page_read_only_staff_reach(world):
    assert_clean(crawl_as(world.read_only), at_least=40)


def test_it_crawls_every_page_an_operator_reaches(world):
    assert_clean(crawl_as(world.operator), at_least=3)


def test_it_crawls_the_public_pages_signed_out(world):
    client = Client()
    report = crawl(client, "/")
    report.pages.pop("/", None)
    for start in ("/login/", "/staff/login/", "/family/account/signup/", "/password-reset/"):
        more = crawl(client, start)
        report.pages.update(more.pages)
        report.problems += more.problems
        report.forms.update(more.forms)
    check_htmx(client, report)
    for url, page in report.forms.items():
        response = Client().post(url, {})
        if response.status_code >= 500:
            report.problems.append(f"empty POST to {url} (form on {page}): status {response.status_code}")
    assert_clean(report, at_least=4)
