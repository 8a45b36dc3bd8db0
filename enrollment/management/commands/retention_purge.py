"""Delete the records and files of fiscal years past their retention period.

A fiscal year N ends on 31 March N+1; its records are deleted once ``FiscalYear.retention_years``
full years have passed after that, i.e. from 1 April N+1+retention_years. What goes: the year's
applications (with their choices, history, points adjustments, documents and the uploaded files),
offers and waitlist entries, allocation runs, rounds, letters and letter batches (and their PDFs),
enrolments that began and ended within the year, KoKoA programmes with their sessions,
registrations and attendance; then children, households and family accounts that nothing
younger refers to any more. The fiscal year itself, its rule sets and letter wording stay: they
hold no personal data and explain the audit trail, which also stays (it holds ids only).

One audit event per deleted record (action ``retention_delete``), written in the same
transaction as the deletion. Files are removed only after the transaction commits, and a missing
file is not an error, so running the command twice, or again after an interruption, is safe.

Usage: manage.py retention_purge [--today YYYY-MM-DD] [--dry-run]
"""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from enrollment.models import (
    AllocationRun,
    Application,
    AuditEvent,
    Child,
    Document,
    Enrollment,
    FiscalYear,
    Household,
    KokoaProgramme,
    KokoaRegistration,
    Letter,
    LetterBatch,
    Round,
    User,
)


def purge_date(fiscal_year: FiscalYear) -> datetime.date:
    """The first day on which the year's records are past retention."""
    return datetime.date(fiscal_year.year + 1 + fiscal_year.retention_years, 4, 1)


def fiscal_year_end(fiscal_year: FiscalYear) -> datetime.date:
    return datetime.date(fiscal_year.year + 1, 3, 31)


class Command(BaseCommand):
    help = "Delete records and files of fiscal years past their retention period (one audit event each)."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="the date to judge retention by (YYYY-MM-DD); default today")
        parser.add_argument("--dry-run", action="store_true", help="count what would go, delete nothing")

    def handle(self, *args, today=None, dry_run=False, **options):
        try:
            today = datetime.date.fromisoformat(today) if today else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--today: {exc}") from exc
        expired = [fy for fy in FiscalYear.objects.order_by("year") if purge_date(fy) <= today]
        if not expired:
            self.stdout.write("No fiscal year is past its retention period.")
            return
        total = 0
        for fy in expired:
            counts = self._purge_year(fy, dry_run=dry_run)
            total += sum(counts.values())
            summary = ", ".join(f"{name} {n}" for name, n in counts.items() if n) or "nothing left"
            verb = "would delete" if dry_run else "deleted"
            self.stdout.write(f"Fiscal year {fy.year} (past retention since {purge_date(fy)}): {verb} {summary}.")
        counts = self._purge_people(cutoff=max(fiscal_year_end(fy) for fy in expired), dry_run=dry_run)
        total += sum(counts.values())
        if any(counts.values()):
            verb = "would delete" if dry_run else "deleted"
            self.stdout.write(f"People no longer referred to: {verb} "
                              + ", ".join(f"{name} {n}" for name, n in counts.items() if n) + ".")
        self.stdout.write(("Dry run: " if dry_run else "") + f"{total} records in all.")

    # --- one fiscal year ---------------------------------------------------------------------

    def _purge_year(self, fy: FiscalYear, *, dry_run: bool) -> dict[str, int]:
        start, end = datetime.date(fy.year, 4, 1), fiscal_year_end(fy)
        rounds = Round.objects.filter(fiscal_year=fy)
        applications = Application.objects.filter(round__in=rounds)
        runs = AllocationRun.objects.filter(round__in=rounds)
        letters = Letter.objects.filter(Q(fiscal_year=fy) | Q(application__in=applications) | Q(run__in=runs))
        batches = LetterBatch.objects.filter(Q(run__in=runs) | Q(letters__in=letters)).distinct()
        enrollments = Enrollment.objects.filter(
            Q(application__in=applications) | Q(start_date__gte=start, start_date__lte=end),
            end_date__isnull=False, end_date__lte=end)
        programmes = KokoaProgramme.objects.filter(fiscal_year=fy)
        registrations = KokoaRegistration.objects.filter(programme__in=programmes)
        documents = Document.objects.filter(application__in=applications)
        # Order matters: protected references first (letters and batches point at runs, offers at
        # runs, registrations at programmes).
        plan = [
            ("letter", letters, ["file"]),
            ("letterbatch", batches, ["file"]),
            ("document", documents, ["file"]),
            ("enrollment", enrollments, []),
            ("application", applications, []),
            ("allocationrun", runs, []),
            ("round", rounds, []),
            ("kokoaregistration", registrations, []),
            ("kokoaprogramme", programmes, []),
        ]
        return self._delete(plan, related={"fiscal_year": fy.year}, dry_run=dry_run)

    # --- people nothing refers to any more ------------------------------------------------------

    def _purge_people(self, *, cutoff: datetime.date, dry_run: bool) -> dict[str, int]:
        # Only people untouched since the end of the last expired year: a child registered last
        # week has no application yet either, and must stay.
        before = timezone.make_aware(datetime.datetime.combine(cutoff + datetime.timedelta(days=1),
                                                               datetime.time.min))
        children = Child.objects.filter(updated_at__lt=before, applications__isnull=True,
                                        enrollments__isnull=True, kokoa_registrations__isnull=True)
        plan = [("child", children, [])]
        counts = self._delete(plan, related={"reason": "unreferenced"}, dry_run=dry_run)
        households = Household.objects.filter(updated_at__lt=before, children__isnull=True,
                                              letters__isnull=True)
        users = User.objects.filter(role=User.Role.FAMILY, household__in=households, date_joined__lt=before)
        counts.update(self._delete([("user", users, []), ("household", households, [])],
                                   related={"reason": "unreferenced"}, dry_run=dry_run))
        return counts

    # --- the deleting itself --------------------------------------------------------------------

    def _delete(self, plan, *, related: dict, dry_run: bool) -> dict[str, int]:
        counts: dict[str, int] = {}
        with transaction.atomic():
            files: list = []
            for object_type, queryset, file_fields in plan:
                rows = list(queryset.order_by("pk").distinct())
                counts[object_type] = len(rows)
                if dry_run or not rows:
                    continue
                for row in rows:
                    for field in file_fields:
                        stored = getattr(row, field)
                        if stored:
                            files.append((stored.storage, stored.name))
                AuditEvent.objects.bulk_create(
                    AuditEvent(actor_id=None, actor_role="system", action="retention_delete",
                               object_type=object_type, object_id=str(row.pk),
                               related={key: str(value) for key, value in related.items()})
                    for row in rows)
                queryset.model.objects.filter(pk__in=[row.pk for row in rows]).delete()
            if files:
                transaction.on_commit(lambda: _remove_files(files))
        return counts


def _remove_files(files) -> None:
    for storage, name in files:
        try:
            storage.delete(name)
        except FileNotFoundError:
            pass
