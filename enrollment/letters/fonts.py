"""Embedded Japanese fonts with per-character fallback.

All fonts are TrueType files shipped in ``fonts/`` and registered with
ReportLab's ``TTFont``, which embeds a subset of each into every PDF, so a
letter looks the same on a machine with no Japanese fonts. Built-in CID fonts
(HeiseiMin…) are never used: they are not embedded.

Names are printed as registered: a character the main font lacks is drawn
from the fallback fonts, and a character no font has is reported by
``missing_glyphs`` so the letter can be held back for staff instead of
printing an empty box.
"""

from __future__ import annotations

import pathlib
import re
import threading
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = pathlib.Path(__file__).resolve().parent / "fonts"

MINCHO = "LetterMincho"
GOTHIC_BOLD = "LetterGothicBold"
FALLBACK_A = "LetterFallbackA"
FALLBACK_B = "LetterFallbackB"

_FILES = {
    MINCHO: "BIZUDMincho-Regular.ttf",
    GOTHIC_BOLD: "BIZUDGothic-Bold.ttf",
    FALLBACK_A: "FallbackMinchoA.ttf",
    FALLBACK_B: "FallbackMinchoB.ttf",
}
# Tried in order for a character the main font lacks.
FALLBACK_ORDER = (FALLBACK_A, FALLBACK_B)

_lock = threading.Lock()
_coverage: dict[str, frozenset[int]] = {}


def _is_variation_selector(cp: int) -> bool:
    return 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF


_VARIATION_SELECTORS = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")

# Characters that are layout, not ink: never reported missing, never wrapped.
_LAYOUT_CHARACTERS = frozenset("\n\r\t")


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """ReportLab's ToUnicode CMap, with characters beyond U+FFFF written correctly.

    ReportLab writes ``<%04X>``, so 𠮷 (U+20BB7) came out of copy-and-paste
    and text extraction as ₻ (U+20BB); the PDF format wants UTF-16BE there,
    i.e. a surrogate pair. Everything else is byte-for-byte ReportLab's.
    """
    lines = _original_to_unicode_cmap(fontname, subset).split("\n")
    for index, line in enumerate(lines):
        if line.startswith("<") and line.endswith(">") and " " in line:
            code, value = line.split(" ", 1)
            cp = int(value[1:-1], 16)
            if cp > 0xFFFF and len(value) > 6:
                lines[index] = f"{code} <{chr(cp).encode('utf-16-be').hex().upper()}>"
    return "\n".join(lines)


_original_to_unicode_cmap = ttfonts.makeToUnicodeCMap


def register_fonts() -> None:
    """Register the letter fonts with ReportLab once per process (thread-safe)."""
    if _coverage:
        return
    with _lock:
        if _coverage:
            return
        if ttfonts.makeToUnicodeCMap is _original_to_unicode_cmap:
            ttfonts.makeToUnicodeCMap = _to_unicode_cmap
        coverage = {}
        for name, filename in _FILES.items():
            font = TTFont(name, str(FONT_DIR / filename))
            pdfmetrics.registerFont(font)
            coverage[name] = frozenset(font.face.charToGlyph)
        _coverage.update(coverage)


def coverage(font_name: str) -> frozenset[int]:
    register_fonts()
    return _coverage[font_name]


def strip_variation_selectors(text: str) -> str:
    """Drop U+FE00–FE0F and U+E0100–E01EF: for drawing only, never for storage.

    The fonts carry no variation sequences, so drawing a selector would print
    an empty box after the base character.
    """
    return _VARIATION_SELECTORS.sub("", text)


def font_for(ch: str, base_font: str = MINCHO) -> str | None:
    """The font that draws ``ch`` (the base font if it can), or None if none can."""
    register_fonts()
    cp = ord(ch)
    if cp in _coverage[base_font]:
        return base_font
    for name in FALLBACK_ORDER:
        if cp in _coverage[name]:
            return name
    return None


def missing_glyphs(text: str) -> set[str]:
    """Characters of ``text`` that no shipped font can draw (variation selectors aside)."""
    register_fonts()
    return {
        ch
        for ch in set(text).difference(_drawable())
        if ch not in _LAYOUT_CHARACTERS and not _is_variation_selector(ord(ch))
    }


def _drawable() -> frozenset[str]:
    global _drawable_cache
    if _drawable_cache is None:
        union: set[int] = set()
        for name in (MINCHO, *FALLBACK_ORDER):
            union |= _coverage[name]
        # As characters, so a letter's text is checked with one set difference.
        _drawable_cache = frozenset(map(chr, union))
    return _drawable_cache


_drawable_cache: frozenset[str] | None = None


def to_markup(text: str, base_font: str = MINCHO) -> str:
    """Plain text to ReportLab paragraph markup: escaped, with font fallback.

    Everything is escaped first, so a name like ``<b>太郎`` or ``<a href=…>``
    prints literally; the only markup in the result is what this function adds
    (``<font name=…>`` around fallback runs and ``<br/>`` for newlines).
    A character no font has is left to the base font; callers check
    ``missing_glyphs`` before issuing.
    """
    register_fonts()
    base = _coverage[base_font]
    out: list[str] = []
    run_font: str | None = None
    run: list[str] = []

    def flush() -> None:
        if not run:
            return
        chunk = escape("".join(run))
        if run_font is None:
            out.append(chunk)
        else:
            out.append(f'<font name="{run_font}">{chunk}</font>')
        run.clear()

    for ch in strip_variation_selectors(text):
        if ch == "\n":
            flush()
            out.append("<br/>")
            continue
        cp = ord(ch)
        if cp in base or ch in _LAYOUT_CHARACTERS:
            font = None
        else:
            font = next((name for name in FALLBACK_ORDER if cp in _coverage[name]), None)
        if font != run_font:
            flush()
            run_font = font
        run.append(ch)
    flush()
    return "".join(out)


__all__ = [
    "FALLBACK_ORDER",
    "FONT_DIR",
    "GOTHIC_BOLD",
    "MINCHO",
    "coverage",
    "font_for",
    "missing_glyphs",
    "register_fonts",
    "strip_variation_selectors",
    "to_markup",
]
