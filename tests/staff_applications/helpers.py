"""Builders for the staff tests: a submitted application with a document, and a valid paper row."""

import datetime
import hashlib

from django.core.files.base import ContentFile
from django.utils import timezone

from enrollment.models import Application, Document, Round
from tests import builders

# The smallest valid PNG: 1×1 pixel.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def the_round():
    """The one open first round of fiscal year 2027 (rounds are unique per year, kind and month)."""
    return Round.objects.filter(fiscal_year__year=2027, kind=Round.Kind.FIRST).first() or builders.round_()


def submitted_application(*, rnd=None, clubs=None, status=Application.Status.SUBMITTED, **child_fields):
    rnd = rnd or the_round()
    club = builders.club()
    c = builders.child(**child_fields)
    app = builders.application(c, rnd=rnd, clubs=clubs or [club], status=status,
                               receipt_number=f"27A-{Application.objects.count() + 1:05d}",
                               submitted_at=timezone.now())
    return app


def document(application, *, content=PNG, content_type="image/png", name="shuro.png"):
    doc = Document(application=application, kind=Document.Kind.EMPLOYMENT, original_name=name,
                   content_type=content_type, size=len(content), sha256=hashlib.sha256(content).hexdigest())
    doc.file.save("ignored", ContentFile(content), save=False)
    doc.save()
    return doc


def paper_row(*, school, club, **overrides) -> dict:
    """A paper application as the form and the import take it (all text, as typed)."""
    row = {
        "postal_code": "201-0001", "address": "泊江市中央1-2-3", "phone": "03-1234-5678",
        "g1_family_name": "𠮷田", "g1_given_name": "花子", "g1_family_kana": "よしだ", "g1_given_kana": "ハナコ",
        "g1_reason": "work", "g1_days_per_month": "20", "g1_hours_per_day": "8", "g1_afternoon_hours": "4",
        "g2_family_name": "𠮷田", "g2_given_name": "一郎", "g2_family_kana": "ヨシダ", "g2_given_kana": "イチロウ",
        "g2_reason": "work", "g2_days_per_month": "20", "g2_hours_per_day": "7.5", "g2_afternoon_hours": "4",
        "child_family_name": "𠮷田", "child_given_name": "太郎", "child_family_kana": "ヨシダ",
        "child_given_kana": "タロウ", "child_birth_date": "2020-05-01", "child_school": school.code,
        "choice_1": club.code,
    }
    row.update(overrides)
    return {k: v for k, v in row.items() if v is not None}


def start_of(rnd):
    return datetime.date(rnd.fiscal_year.year, 4, 1)
