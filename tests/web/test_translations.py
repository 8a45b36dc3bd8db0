"""The interface is complete in Japanese (the default) and in English, and stays so.

The catalogue: no message is left empty or fuzzy (gettext ignores fuzzy entries, so the page
would silently fall back to English), every placeholder survives translation, and the compiled
.mo is exactly the .po (a forgotten compilemessages ships the old wording).

The pages: the main page of every role, rendered in English, shows no Japanese except data
(names, the city, schools, clubs) and the language switch label; rendered in Japanese it shows
none of the common English interface words.
"""

from __future__ import annotations

import ast
import datetime
import gettext
import re
from dataclasses import dataclass
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from enrollment.models import AllocationRun, Application, KokoaProgramme, KokoaSession, Round, User
from enrollment.services.applications import application_accept
from enrollment.services.runs import allocation_run_commit, allocation_run_execute, allocation_run_start
from enrollment.services.setup import round_close
from tests import builders as b

CATALOGUE_DIR = Path(settings.BASE_DIR) / "locale" / "ja" / "LC_MESSAGES"
PO_PATH = CATALOGUE_DIR / "django.po"
MO_PATH = CATALOGUE_DIR / "django.mo"

JAPANESE = re.compile(r"[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]+")
PERCENT_PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?([diouxXeEfFgGcrs%])")
BRACE_PLACEHOLDER = re.compile(r"(?<!\{)\{(\w*)(?:[!:][^{}]*)?\}(?!\})")


# --- reading the catalogue -------------------------------------------------------------------

@dataclass
class Entry:
    msgctxt: str | None
    msgid: str
    msgid_plural: str | None
    msgstrs: list[str]
    fuzzy: bool
    line: int

    def __str__(self) -> str:
        context = f" (context {self.msgctxt!r})" if self.msgctxt is not None else ""
        return f"django.po line {self.line}: {self.msgid!r}{context}"


def _unquote(text: str) -> str:
    # PO strings use C escapes, which a Python string literal reads the same way.
    return ast.literal_eval(text)


def read_po(path: Path) -> list[Entry]:
    """The live (non-obsolete) entries of a PO file, header included (msgid "")."""
    entries: list[Entry] = []
    fields: dict[str, str] = {}
    flags: set[str] = set()
    current: str | None = None
    start = 0

    def flush():
        nonlocal fields, flags, current
        if "msgid" in fields:
            plural_keys = sorted((k for k in fields if k.startswith("msgstr[")), key=lambda k: int(k[7:-1]))
            msgstrs = [fields[k] for k in plural_keys] if plural_keys else [fields.get("msgstr", "")]
            entries.append(Entry(fields.get("msgctxt"), fields["msgid"], fields.get("msgid_plural"), msgstrs,
                                 "fuzzy" in flags, start))
        fields, flags, current = {}, set(), None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith("#~"):
            continue  # obsolete: never compiled, never used
        elif line.startswith("#,"):
            if "msgid" in fields:
                flush()
            flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            if "msgid" in fields:
                flush()
        elif line.startswith('"'):
            fields[current] += _unquote(line)
        else:
            keyword, _, value = line.partition(" ")
            if keyword in ("msgctxt", "msgid") and "msgid" in fields:
                flush()
            if not fields:
                start = number
            current = keyword
            fields[keyword] = _unquote(value)
    flush()
    return entries


def placeholders(text: str) -> list[str]:
    found = [f"%({name})" + kind if name else "%" + kind
             for name, kind in PERCENT_PLACEHOLDER.findall(text) if kind != "%"]
    found += ["{" + name + "}" for name in BRACE_PLACEHOLDER.findall(text)]
    return sorted(found)


@pytest.fixture(scope="module")
def catalogue() -> list[Entry]:
    return [entry for entry in read_po(PO_PATH) if entry.msgid]


def test_it_reads_a_catalogue_with_messages(catalogue):
    # Guards the parser: an empty list would make every other catalogue test pass.
    assert len(catalogue) > 500
    assert any(entry.msgid_plural for entry in catalogue)


def test_it_has_a_translation_for_every_message(catalogue):
    missing = [str(entry) for entry in catalogue if not all(entry.msgstrs)]
    assert not missing, "untranslated messages:\n" + "\n".join(missing)


def test_it_has_no_fuzzy_translation(catalogue):
    fuzzy = [str(entry) for entry in catalogue if entry.fuzzy]
    assert not fuzzy, "fuzzy messages (check the translation, then drop the flag):\n" + "\n".join(fuzzy)


def test_it_uses_the_single_japanese_plural_form(catalogue):
    header = next(entry for entry in read_po(PO_PATH) if not entry.msgid)
    assert "Plural-Forms: nplurals=1; plural=0;" in header.msgstrs[0]
    wrong = [str(entry) for entry in catalogue if entry.msgid_plural and len(entry.msgstrs) != 1]
    assert not wrong, "Japanese has one plural form, msgstr[0] only:\n" + "\n".join(wrong)


def test_it_keeps_every_placeholder_in_the_translation(catalogue):
    problems = []
    for entry in catalogue:
        # Japanese has one form, so it must carry the placeholders of the English plural.
        source = placeholders(entry.msgid_plural or entry.msgid)
        for msgstr in entry.msgstrs:
            if msgstr and placeholders(msgstr) != source:
                problems.append(f"{entry}: {source} in English, {placeholders(msgstr)} in {msgstr!r}")
    assert not problems, "placeholders differ:\n" + "\n".join(problems)


def test_it_spots_a_lost_placeholder():
    assert placeholders("%(club)s: number %(position)s") != placeholders("%(club)s：待機順位")
    assert placeholders("Club choice {rank}") != placeholders("第{ranks}希望")
    assert placeholders("Progress: %(percent)s %%") == placeholders("進み具合：%(percent)s％")


def mo_differences(po_path: Path, mo_path: Path) -> list[str]:
    """Messages on which a compiled catalogue and its source disagree."""
    with mo_path.open("rb") as handle:
        compiled = dict(gettext.GNUTranslations(handle)._catalog)
    expected: dict = {}
    for entry in read_po(po_path):
        if entry.fuzzy or not all(entry.msgstrs):
            continue  # msgfmt leaves these out
        key = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural:
            for n, msgstr in enumerate(entry.msgstrs):
                expected[(key, n)] = msgstr
        else:
            expected[key] = entry.msgstrs[0]
    # The header carries creation dates that msgfmt copies as they are; compare the messages.
    expected.pop("", None)
    compiled.pop("", None)
    differences = sorted(f"only in {'the .po' if key in expected else 'the .mo'}: {key!r}"
                         for key in expected.keys() ^ compiled.keys())
    differences += sorted(f"changed: {key!r}" for key in expected.keys() & compiled.keys()
                          if expected[key] != compiled[key])
    return differences


def test_it_ships_a_compiled_catalogue_identical_to_the_po():
    """Compared by content, not by file date: a git checkout gives both files the same date."""
    differences = mo_differences(PO_PATH, MO_PATH)
    assert not differences, ("django.mo differs from django.po; run manage.py compilemessages:\n"
                             + "\n".join(differences[:20]))


def test_it_notices_a_po_edited_after_compiling(tmp_path):
    edited = tmp_path / "django.po"
    text = PO_PATH.read_text(encoding="utf-8")
    assert 'msgstr "ログアウト"' in text
    edited.write_text(text.replace('msgstr "ログアウト"', 'msgstr "サインアウト"', 1), encoding="utf-8")
    assert mo_differences(edited, MO_PATH) != []


def test_it_reads_fuzzy_empty_plural_and_context_entries(tmp_path):
    po = tmp_path / "django.po"
    po.write_text('''msgid ""
msgstr ""
"Plural-Forms: nplurals=1; plural=0;\\n"

#, fuzzy, python-format
#| msgid "Old %(name)s"
msgid "Hello %(name)s"
msgstr "こんにちは"

msgctxt "list separator"
msgid ", "
msgstr ""

msgid "%(n)s day"
msgid_plural "%(n)s days"
msgstr[0] "%(n)s日"

#~ msgid "Gone"
#~ msgstr ""
''', encoding="utf-8")
    entries = [entry for entry in read_po(po) if entry.msgid]
    assert [(e.msgctxt, e.msgid, e.fuzzy, e.msgstrs) for e in entries] == [
        (None, "Hello %(name)s", True, ["こんにちは"]),
        ("list separator", ", ", False, [""]),
        (None, "%(n)s day", False, ["%(n)s日"]),
    ]
    assert entries[2].msgid_plural == "%(n)s days"


# --- the pages -------------------------------------------------------------------------------

class VisibleText(HTMLParser):
    """The text a person sees or hears: element text and the attributes read out or shown."""

    SPOKEN_ATTRIBUTES = ("title", "alt", "placeholder", "aria-label", "aria-description")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "style", "template"):
            self._skip += 1
        for name in self.SPOKEN_ATTRIBUTES:
            if a.get(name):
                self.parts.append(a[name])
        if tag == "input" and a.get("type") in ("submit", "button", "reset") and a.get("value"):
            self.parts.append(a["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


@dataclass
class World:
    family: User
    staff: User
    operator: User
    pages: dict[str, tuple[User | None, str]]


def _data_strings() -> list[str]:
    """Every Japanese text stored in the database: names, addresses, school and club names.

    Longest first, so 泊江第3小学校 is taken out before 泊江 is."""
    found: set[str] = {settings.CITY_NAME}
    for model in apps.get_app_config("enrollment").get_models():
        text_fields = [f.name for f in model._meta.concrete_fields
                       if isinstance(f, (models.CharField, models.TextField)) and not f.choices]
        if not text_fields:
            continue
        for row in model.objects.values_list(*text_fields):
            found.update(value for value in row if value and JAPANESE.search(value))
    return sorted(found, key=len, reverse=True)


@pytest.fixture
def world(db, django_capture_on_commit_callbacks) -> World:
    fy = b.fiscal_year(2027)
    rnd = b.round_(fy)
    op = b.operator()
    # Two places per club (3.30 m² ÷ 1.65), so the run leaves children waiting and the pages show waitlists.
    club = b.club(operator=op, floor_area_m2=Decimal("3.30"))
    other_club = b.club(school=club.school, operator=op, floor_area_m2=Decimal("3.30"))
    staff = b.staff_user()
    household = b.household()
    family = b.family_user(household)
    own = b.application(b.child(household, school=club.school), rnd=rnd, clubs=[club, other_club],
                        status=Application.Status.SUBMITTED, submitted_at=timezone.now(), receipt_number="R9-00001")
    for n in range(2, 8):
        b.application(rnd=rnd, clubs=[club], status=Application.Status.SUBMITTED, submitted_at=timezone.now(),
                      receipt_number=f"R9-{n:05d}")
    for application in Application.objects.filter(round=rnd):
        application_accept(application=application, actor=staff)
    round_close(actor=staff, round_=Round.objects.get(pk=rnd.pk))
    run = allocation_run_start(round_=Round.objects.get(pk=rnd.pk), actor=staff, ties="lottery_first", seed=5,
                               enqueue=False, elastic_ratios={})
    allocation_run_execute(run_id=run.pk, time_limit=30)
    run.refresh_from_db()
    assert run.status == AllocationRun.Status.FINISHED, run.error
    with django_capture_on_commit_callbacks(execute=True):
        allocation_run_commit(run=run, actor=staff, today=datetime.date(2027, 1, 25))
    second = b.round_(fy, kind=Round.Kind.SECOND, name="二次申請")
    programme = KokoaProgramme.objects.create(school=club.school, fiscal_year=fy, operator=op,
                                              name="KoKoA ひまわり", place="体育館")
    session = KokoaSession.objects.create(programme=programme, kind=KokoaSession.Kind.SPECIAL,
                                          date=datetime.date(2027, 7, 28), title="夏休み工作教室", capacity=10,
                                          starts_at=datetime.time(9, 0), ends_at=datetime.time(12, 0))
    operator = b.operator_user(op)
    own.refresh_from_db()
    pages = {
        "home": (None, reverse("home")),
        "login": (None, reverse("login")),
        "staff login": (None, reverse("staff_login")),
        "family home": (family, reverse("family_home")),
        "household": (family, reverse("family_household")),
        "apply start": (family, reverse("family_apply_start", args=[second.pk])),
        "application status": (family, reverse("family_application", args=[own.public_id])),
        "staff dashboard": (staff, reverse("staff_dashboard")),
        "staff applications": (staff, reverse("staff_application_list")),
        "staff application": (staff, reverse("staff_application_detail", args=[own.public_id])),
        "setup": (staff, reverse("staff_setup")),
        "setup year": (staff, reverse("staff_setup_year", args=[fy.year])),
        "setup rules": (staff, reverse("staff_setup_rules", args=[fy.year])),
        "setup rounds": (staff, reverse("staff_setup_rounds", args=[fy.year])),
        "setup clubs": (staff, reverse("staff_setup_clubs")),
        "rounds": (staff, reverse("staff_rounds")),
        "runs": (staff, reverse("staff_runs", args=[rnd.pk])),
        "run": (staff, reverse("staff_run", args=[run.pk])),
        "stats": (staff, reverse("staff_stats")),
        "letters": (staff, reverse("staff_letters")),
        "staff kokoa sessions": (staff, reverse("staff_kokoa_sessions")),
        "operator home": (operator, reverse("operator_home")),
        "roster": (operator, reverse("operator_roster", args=[club.pk])),
        "kokoa session": (operator, reverse("operator_kokoa_session", args=[session.pk])),
    }
    return World(family=family, staff=staff, operator=operator, pages=pages)


def render(user: User | None, url: str, language: str) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    if user is not None:
        client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, f"{url}: status {response.status_code}"
    assert response.headers.get("Content-Language") == language, url
    return visible_text(response.content.decode())


# Japanese that is the interface's own on purpose: the language switch names itself in its language.
ALWAYS_JAPANESE = ["日本語"]
HTML_TAG = re.compile(r"<[^>]+>")


def quoted_japanese_terms(catalogue: list[Entry]) -> list[str]:
    """Japanese that an English msgid quotes on purpose, such as "Certificate of employment
    (就労証明書)": the resident meets that word on paper. Only the literal text around it counts,
    so a Japanese label written straight into a template is still caught."""
    terms = set()
    for entry in catalogue:
        for text in filter(None, (entry.msgid, entry.msgid_plural)):
            literal = BRACE_PLACEHOLDER.sub("\x00", PERCENT_PLACEHOLDER.sub("\x00", HTML_TAG.sub("\x00", text)))
            terms.update(" ".join(part.split()) for part in literal.split("\x00") if JAPANESE.search(part))
    return sorted(terms, key=len, reverse=True)


def test_it_renders_the_main_pages_in_english_without_japanese_interface_text(world, catalogue):
    data = sorted(_data_strings() + quoted_japanese_terms(catalogue) + ALWAYS_JAPANESE,
                  key=len, reverse=True)
    problems = []
    for name, (user, url) in world.pages.items():
        text = render(user, url, "en")
        for value in data:
            text = text.replace(value, " ")
        for match in JAPANESE.finditer(text):
            context = text[max(0, match.start() - 50):match.end() + 50]
            problems.append(f"{name} ({url}): {match.group()!r} in “{context}”")
    assert not problems, "Japanese left on English pages:\n" + "\n".join(problems)


# Common interface words from the msgids: on a Japanese page each means an unmarked string or a
# missing translation.
ENGLISH_UI_WORDS = re.compile(
    r"\b(Submit|Save|Cancel|Application|Applications|Status|Sign in|Sign out|Back|Next|Continue|Edit|"
    r"Delete|Remove|Search|Filter|Download|Upload|Accept|Decline|Withdraw|Return|Round|Run|Runs|"
    r"Club|Clubs|School|Household|Child|Children|Guardian|Letters?|Dashboard|Statistics|Capacity|"
    r"Waiting|Offer|Points|Grade|Roster|Session|Home|Page|Previous|Yes|No|None|Name|Date|Total|"
    r"Rules?|Set-?up|Fiscal year|Staff|Family|Operator|Required|Optional|Help|Error|Details?)\b")


def test_it_renders_the_main_pages_in_japanese_without_english_interface_words(world):
    problems = []
    for name, (user, url) in world.pages.items():
        text = render(user, url, "ja")
        for match in ENGLISH_UI_WORDS.finditer(text):
            context = text[max(0, match.start() - 50):match.end() + 50]
            problems.append(f"{name} ({url}): {match.group()!r} in “{context}”")
    assert not problems, "English left on Japanese pages:\n" + "\n".join(problems)


def test_it_tells_japanese_from_data_on_an_english_page(world):
    """The English page check must see a stray Japanese label, and ignore names from the data."""
    page = "<main><h1>Applications</h1><p>泊江 太郎</p><button>保存する</button></main>"
    text = visible_text(page)
    for value in _data_strings():
        text = text.replace(value, " ")
    assert JAPANESE.findall(text) == ["保存する"]
