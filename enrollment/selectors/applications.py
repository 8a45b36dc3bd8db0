"""The staff's list of applications: filters and search as one query."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from enrollment.models import Application, ApplicationChoice, Document, Guardian


def application_list(*, round_=None, school=None, club=None, status: str = "", flags=(), q: str = "") -> QuerySet:
    """Applications matching every filter given, ordered by round and receipt number.

    Drafts are the family's own business until submitted: staff never see them listed.
    """
    qs = (Application.objects.exclude(status=Application.Status.DRAFT)
          .select_related("child", "child__school", "round", "round__fiscal_year")
          .prefetch_related("choices__club")
          .annotate(documents_pending=Exists(Document.objects.filter(application=OuterRef("pk"),
                                                                     review=Document.Review.PENDING))))
    if round_ is not None:
        qs = qs.filter(round=round_)
    if school is not None:
        qs = qs.filter(child__school=school)
    if club is not None:
        qs = qs.filter(Exists(ApplicationChoice.objects.filter(application=OuterRef("pk"), club=club)))
    if status:
        qs = qs.filter(status=status)
    flags = set(flags or ())
    if "support" in flags:
        qs = qs.filter(child__needs_support=True)
    if "siblings" in flags:
        qs = qs.filter(sibling_group__isnull=False)
    if "paper" in flags:
        qs = qs.filter(is_paper=True)
    if "documents_pending" in flags:
        qs = qs.filter(documents_pending=True)
    if q:
        qs = qs.filter(_search(q))
    return qs.order_by("round__opens_at", "receipt_number", "pk")


_HIRAGANA_TO_KATAKANA = {code: code + 0x60 for code in range(0x3041, 0x3097)}


def _search(q: str) -> Q:
    """A receipt number, or every word found in the child's or a guardian's name or reading."""
    names = Q()
    for word in q.replace("\u3000", " ").split():
        kana = word.translate(_HIRAGANA_TO_KATAKANA)
        guardian_match = Guardian.objects.filter(household=OuterRef("child__household")).filter(
            Q(family_name__contains=word) | Q(given_name__contains=word)
            | Q(family_kana__contains=kana) | Q(given_kana__contains=kana))
        names &= (Q(child__family_name__contains=word) | Q(child__given_name__contains=word)
                  | Q(child__family_kana__contains=kana) | Q(child__given_kana__contains=kana)
                  | Exists(guardian_match))
    return Q(receipt_number__icontains=q) | names
