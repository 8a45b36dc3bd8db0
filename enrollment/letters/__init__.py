"""Notification letters (通知書): content, wording templates, 和暦 and PDF rendering.

Nothing here touches the database; the Django side builds ``LetterContent``
from its models, picks a ``LetterTemplate`` for the kind and fiscal year, and
calls ``render_letter`` or ``render_mailing``.
"""

from .content import Addressee, ChildInfo, ClubInfo, KokoaInfo, LetterContent, LetterKind, Sender
from .fonts import missing_glyphs
from .render import (
    AddressOverflowError,
    LetterInfo,
    LetterLayout,
    LetterRenderError,
    MissingGlyphsError,
    letter_missing_glyphs,
    render_letter,
    render_mailing,
)
from .templating import (
    LetterTemplate,
    TemplateError,
    available_fields,
    check_template,
    load_default_templates,
)
from .wareki import era_year, era_year_number, fiscal_year, fiscal_year_label, to_wareki

__all__ = [
    "AddressOverflowError",
    "Addressee",
    "ChildInfo",
    "ClubInfo",
    "KokoaInfo",
    "LetterContent",
    "LetterInfo",
    "LetterKind",
    "LetterLayout",
    "LetterRenderError",
    "LetterTemplate",
    "MissingGlyphsError",
    "Sender",
    "TemplateError",
    "available_fields",
    "check_template",
    "era_year",
    "era_year_number",
    "fiscal_year",
    "fiscal_year_label",
    "letter_missing_glyphs",
    "load_default_templates",
    "missing_glyphs",
    "render_letter",
    "render_mailing",
    "to_wareki",
]
