"""python manage.py letters_sample --out DIR [--year 2027]

Writes one PDF of each letter kind, so anyone can look at them: from the demo city's committed
run when one is loaded (real rows, nothing saved or numbered), otherwise from built-in sample
content. Works on an empty database: the shipped wording is used when no version is stored.
"""

import datetime
import pathlib
from dataclasses import replace

from django.core.management.base import BaseCommand, CommandError

from enrollment.letters import LetterRenderError, load_default_templates, render_letter
from enrollment.models import Application, FiscalYear, KokoaRegistration, LetterKind, LetterTemplate
from enrollment.services.letters import KIND_FOR_STATUS, letter_content_for, letter_sample_content, template_from_row


class Command(BaseCommand):
    help = "Write one sample PDF of each letter kind (offer, decision, waitlist, refusal, KoKoA) into a folder."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="folder to write the PDFs into (created if missing)")
        parser.add_argument("--year", type=int, default=None,
                            help="fiscal year (default: the newest in the database, else 2027)")

    def handle(self, *args, out, year, **options):
        folder = pathlib.Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        fy = FiscalYear.objects.filter(year=year).first() if year else FiscalYear.objects.order_by("-year").first()
        year = fy.year if fy else (year or 2027)
        issue_date = datetime.date(year, 2, 5)
        defaults = load_default_templates()
        for kind in LetterKind.values:
            row = LetterTemplate.objects.filter(fiscal_year=fy, kind=kind).order_by("-version").first() if fy else None
            template = template_from_row(row) if row else replace(defaults[kind], fiscal_year=year)
            content, source = self._from_database(fy, kind, issue_date), "demo data"
            if content is None:
                content, source = letter_sample_content(kind, fiscal_year=year, issue_date=issue_date), "sample data"
            try:
                pdf = render_letter(content, template, allow_missing=True)
            except LetterRenderError as error:
                raise CommandError(f"{kind}: {error}")
            path = folder / f"{kind}.pdf"
            path.write_bytes(pdf)
            self.stdout.write(f"{path}  ({source}, {len(pdf):,} bytes)")

    def _from_database(self, fy, kind, issue_date):
        """A real row of this kind from the loaded city, or None (nothing is saved or numbered)."""
        if fy is None:
            return None
        if kind == LetterKind.KOKOA:
            registration = KokoaRegistration.objects.filter(programme__fiscal_year=fy).order_by("pk").first()
            return letter_content_for(registration, kind, issue_date, document_number="（見本）") if registration else None
        statuses = [status for status, k in KIND_FOR_STATUS.items() if k == kind]
        application = Application.objects.filter(round__fiscal_year=fy, status__in=statuses).order_by("pk").first()
        if application is None:
            return None
        return letter_content_for(application, kind, issue_date, document_number="（見本）")
