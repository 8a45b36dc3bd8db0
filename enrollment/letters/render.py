"""Letters to PDF with ReportLab: one letter, or a mailing of thousands.

Layout is computed once per letter (paragraphs are cached by text and
style, so the fixed wording of a template is broken into lines only once per
mailing) and then drawn onto one or two canvases: the mailing's, and the
letter's own PDF when its SHA-256 or bytes are wanted.

Measurements are in millimetres from the top-left corner of the A4 sheet, as
staff measure the 長形3号 window envelope with a ruler.
"""

from __future__ import annotations

import hashlib
import io
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import BinaryIO, Callable, Iterable

from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.rl_accel import fp_str
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from . import fonts
from .content import LetterContent
from .templating import FilledBlock, FilledLetter, LetterTemplate, fill

PRODUCER = "afterschool letters"


class LetterRenderError(ValueError):
    pass


class MissingGlyphsError(LetterRenderError):
    """The letter holds characters no shipped font can draw; staff must look first."""

    def __init__(self, characters: set[str]):
        self.characters = characters
        listing = "、".join(f"{ch}（U+{ord(ch):04X}）" for ch in sorted(characters))
        super().__init__(f"印字できない文字があります：{listing}")


class AddressOverflowError(LetterRenderError):
    def __init__(self) -> None:
        super().__init__("宛名が封筒の窓に収まりません")


@dataclass(frozen=True)
class LetterLayout:
    """Where things go on the sheet, in millimetres and points (font sizes).

    The defaults fit a 長形3号 window envelope (window about 90 × 45 mm) with
    an A4 sheet folded in three: the window shows the top third from about
    20 mm from the left and 15 mm from the top.
    """

    page_width: float = 210.0
    page_height: float = 297.0
    margin_left: float = 20.0
    margin_right: float = 20.0
    margin_top: float = 15.0
    margin_bottom: float = 10.0
    window_x: float = 20.0
    window_y: float = 15.0
    window_width: float = 90.0
    window_height: float = 45.0
    window_padding: float = 4.0
    sender_gap: float = 4.0  # below the date, at least
    title_gap: float = 4.0  # below the window
    body_font_size: float = 10.0
    title_font_size: float = 14.5
    header_font_size: float = 10.5
    address_font_size: float = 11.0
    addressee_font_size: float = 13.0
    min_address_font_size: float = 8.0
    table_font_size: float = 9.5
    appeal_font_size: float = 8.0
    contact_font_size: float = 8.5
    table_label_width: float = 32.0
    contact_width: float = 120.0
    draw_window_outline: bool = False  # for calibrating with a real envelope

    @property
    def body_width(self) -> float:
        return self.page_width - self.margin_left - self.margin_right


@dataclass
class LetterInfo:
    index: int
    page_count: int
    first_page: int  # 1-based page number in the mailing
    sha256: str | None = None
    missing_glyphs: frozenset[str] = frozenset()


# --- styles and cached paragraphs ---------------------------------------------


def _styles(layout: LetterLayout) -> dict[str, ParagraphStyle]:
    base = layout.body_font_size

    def style(name: str, size: float, font: str = fonts.MINCHO, leading: float = 1.5, **kw) -> ParagraphStyle:
        return ParagraphStyle(
            name, fontName=font, fontSize=size, leading=size * leading, wordWrap="CJK", **kw
        )

    return {
        "title": style("title", layout.title_font_size, fonts.GOTHIC_BOLD, 1.4, alignment=TA_CENTER),
        "header": style("header", layout.header_font_size, alignment=TA_RIGHT, leading=1.5),
        "postal": style("postal", layout.address_font_size, leading=1.45),
        "sender": style("sender", base, alignment=TA_RIGHT, leading=1.5),
        "body": style("body", base, firstLineIndent=base),
        "body-left": style("body-left", base),
        "body-center": style("body-center", base, alignment=TA_CENTER),
        "body-right": style("body-right", base, alignment=TA_RIGHT),
        "heading": style("heading", base, fonts.GOTHIC_BOLD, 1.5),
        "item": style("item", base, leftIndent=base * 2.6, bulletIndent=0, leading=1.45,
                      bulletFontName=fonts.MINCHO, bulletFontSize=base),
        "cell-label": style("cell-label", layout.table_font_size, leading=1.4),
        "cell": style("cell", layout.table_font_size, leading=1.4),
        "appeal-heading": style("appeal-heading", layout.appeal_font_size + 0.5, fonts.GOTHIC_BOLD, 1.5),
        "appeal": style(
            "appeal",
            layout.appeal_font_size,
            leading=1.4,
            leftIndent=layout.appeal_font_size,
            firstLineIndent=-layout.appeal_font_size,
        ),
        "contact": style("contact", layout.contact_font_size, leading=1.4),
    }


class _ParagraphCache:
    """Wrapped paragraphs by (style, text, width); bounded, most recent kept."""

    def __init__(self, layout: LetterLayout, size: int = 5000):
        self.layout = layout
        self.styles = _styles(layout)
        self.size = size
        self._items: OrderedDict[tuple, tuple[Paragraph, float]] = OrderedDict()
        self._address_styles: dict[float, tuple[ParagraphStyle, ParagraphStyle]] = {}

    def get(self, style: str | ParagraphStyle, text: str, width: float, bullet: str | None = None) -> tuple[Paragraph, float]:
        key = (style if isinstance(style, str) else style.name, text, width, bullet)
        hit = self._items.get(key)
        if hit is not None:
            self._items.move_to_end(key)
            return hit
        style_obj = self.styles[style] if isinstance(style, str) else style
        base_font = fonts.GOTHIC_BOLD if style_obj.fontName == fonts.GOTHIC_BOLD else fonts.MINCHO
        paragraph = Paragraph(fonts.to_markup(text, base_font), style_obj, bulletText=bullet)
        # CJK wrapping hangs a closing 。」っ past the line end rather than
        # start a line with it; wrapping one character narrower keeps that
        # hanging character inside the margin (or the table cell, or the box).
        reserve = style_obj.fontSize if style_obj.alignment not in (TA_RIGHT, TA_CENTER) else 0
        _w, height = paragraph.wrap(width - reserve, 10**6)
        self._items[key] = (paragraph, height)
        if len(self._items) > self.size:
            self._items.popitem(last=False)
        return paragraph, height

    def address_styles(self, size: float) -> tuple[ParagraphStyle, ParagraphStyle]:
        if size not in self._address_styles:
            ratio = self.layout.addressee_font_size / self.layout.address_font_size
            self._address_styles[size] = (
                ParagraphStyle(f"address-{size}", fontName=fonts.MINCHO, fontSize=size,
                               leading=size * 1.4, wordWrap="CJK"),
                ParagraphStyle(f"addressee-{size}", fontName=fonts.MINCHO, fontSize=size * ratio,
                               leading=size * ratio * 1.4, wordWrap="CJK", leftIndent=size),
            )
        return self._address_styles[size]


# --- drawing ---------------------------------------------------------------------

_REPLAY_LIMIT = 4000


def _draw_paragraph(canvas: Canvas, paragraph: Paragraph, x: float, y: float) -> None:
    """Draw a wrapped paragraph, replaying its PDF operators if this canvas drew it before.

    A mailing repeats the same sentences thousands of times; drawing a
    paragraph is most of the cost. Its operators are relative to the
    translated origin and, within one document, its glyph codes are fixed once
    assigned, so the recorded operators can be appended again. This relies on
    ReportLab's ``Canvas._code`` list (stable since ReportLab 1.x); the tests
    compare replayed output with freshly drawn output.
    """
    replay: OrderedDict | None = getattr(canvas, "_letters_replay", None)
    if replay is None:
        replay = OrderedDict()
        canvas._letters_replay = replay
    hit = replay.get(id(paragraph))
    if hit is not None and hit[0] is paragraph:
        replay.move_to_end(id(paragraph))
        # What saveState/translate/restoreState would write, without the
        # Python-side state copy: the replayed operators change no canvas state.
        code = canvas._code
        code.append(f"q 1 0 0 1 {fp_str(x, y)} cm")
        code.extend(hit[1])
        code.append("Q")
    else:
        canvas.saveState()
        canvas.translate(x, y)
        start = len(canvas._code)
        paragraph.canv = canvas
        paragraph.draw()
        del paragraph.canv
        # Keeping the paragraph in the entry stops its id from being reused.
        replay[id(paragraph)] = (paragraph, canvas._code[start:])
        if len(replay) > _REPLAY_LIMIT:
            replay.popitem(last=False)
        canvas.restoreState()


# --- flowables that only draw pre-wrapped paragraphs ----------------------------


class _Placed:
    """A laid-out piece of the body: draws itself at a given top-left corner."""

    height: float
    space_after: float = 0.0

    def draw(self, canvas: Canvas, x: float, top: float) -> None:
        raise NotImplementedError

    def split(self, available: float) -> list["_Placed"]:
        return []


class _Para(_Placed):
    def __init__(self, paragraph: Paragraph, height: float, space_after: float = 0.0, indent: float = 0.0):
        self.paragraph = paragraph
        self.height = height
        self.space_after = space_after
        self.indent = indent

    def draw(self, canvas: Canvas, x: float, top: float) -> None:
        _draw_paragraph(canvas, self.paragraph, x + self.indent, top - self.height)

    def split(self, available: float) -> list[_Placed]:
        parts = self.paragraph.split(self.paragraph.width, available)
        if not hasattr(self.paragraph, "blPara"):
            # ReportLab's split drops the wrapped lines when nothing fits (an orphan line at the
            # foot of a page); the paragraph is then drawn whole on the next page, and it is
            # shared through the paragraph cache by every later letter, so wrap it again.
            self.paragraph.wrap(self.paragraph.width, 10**6)
        out: list[_Placed] = []
        for part in parts:
            _w, h = part.wrap(self.paragraph.width, 10**6)
            out.append(_Para(part, h, indent=self.indent))
        if out:
            out[-1].space_after = self.space_after
        return out


class _Table(_Placed):
    """Key/value rows with rules, as on a city's 通知書."""

    pad = 1.0 * mm

    def __init__(self, rows: list[tuple[Paragraph, float, Paragraph, float]], label_width: float,
                 width: float, space_after: float):
        self.rows = rows
        self.label_width = label_width
        self.width = width
        self.space_after = space_after
        self.row_heights = [max(lh, vh) + 2 * self.pad for _l, lh, _v, vh in rows]
        self.height = sum(self.row_heights)

    def draw(self, canvas: Canvas, x: float, top: float) -> None:
        canvas.saveState()
        canvas.setLineWidth(0.6)
        canvas.setFillGray(0.93)
        canvas.rect(x, top - self.height, self.label_width, self.height, stroke=0, fill=1)
        canvas.setFillGray(0)
        canvas.rect(x, top - self.height, self.width, self.height, stroke=1, fill=0)
        canvas.line(x + self.label_width, top, x + self.label_width, top - self.height)
        y = top
        for (label, lh, value, vh), row_height in zip(self.rows, self.row_heights):
            _draw_paragraph(canvas, label, x + self.pad, y - self.pad - lh)
            _draw_paragraph(canvas, value, x + self.label_width + self.pad, y - self.pad - vh)
            y -= row_height
            if y > top - self.height + 0.1:
                canvas.setLineWidth(0.3)
                canvas.line(x, y, x + self.width, y)
        canvas.restoreState()

    def split(self, available: float) -> list[_Placed]:
        used = 0.0
        for count, row_height in enumerate(self.row_heights):
            if used + row_height > available:
                break
            used += row_height
        else:
            return [self]
        if count == 0:
            return []
        return [
            _Table(self.rows[:count], self.label_width, self.width, 0.0),
            _Table(self.rows[count:], self.label_width, self.width, self.space_after),
        ]


class _Box(_Placed):
    """The appeal notice: a ruled box around its paragraphs."""

    pad = 1.6 * mm

    def __init__(self, items: list[_Para], width: float, space_after: float):
        self.items = items
        self.width = width
        self.space_after = space_after
        self.height = sum(i.height + i.space_after for i in items) + 2 * self.pad

    def draw(self, canvas: Canvas, x: float, top: float) -> None:
        canvas.saveState()
        canvas.setLineWidth(0.6)
        canvas.rect(x, top - self.height, self.width, self.height, stroke=1, fill=0)
        canvas.restoreState()
        y = top - self.pad
        for item in self.items:
            item.draw(canvas, x + self.pad, y)
            y -= item.height + item.space_after

    def split(self, available: float) -> list[_Placed]:
        used = 2 * self.pad
        for count, item in enumerate(self.items):
            if used + item.height > available:
                break
            used += item.height + item.space_after
        else:
            return [self]
        if count == 0:
            return []
        return [_Box(self.items[:count], self.width, 0.0), _Box(self.items[count:], self.width, self.space_after)]


class _Right(_Placed):
    """Pushes a narrower piece against the right margin (the contact box)."""

    def __init__(self, inner: _Placed, offset: float):
        self.inner = inner
        self.offset = offset
        self.height = inner.height
        self.space_after = inner.space_after

    def draw(self, canvas: Canvas, x: float, top: float) -> None:
        self.inner.draw(canvas, x + self.offset, top)


# --- layout ------------------------------------------------------------------------


@dataclass
class _Page:
    pieces: list[tuple[_Placed, float]] = field(default_factory=list)  # (piece, top y in points)


@dataclass
class _LaidOut:
    letter: FilledLetter
    pages: list[_Page]
    header: list[tuple[Paragraph, float, float]]  # (paragraph, x, bottom y)
    title: str


class _Renderer:
    def __init__(self, layout: LetterLayout):
        fonts.register_fonts()
        self.layout = layout
        self.cache = _ParagraphCache(layout)

    # Header: document number, date, window, sender. Positions are absolute.
    def _header(self, letter: FilledLetter) -> tuple[list[tuple[Paragraph, float, float]], float]:
        lay = self.layout
        page_h = lay.page_height * mm
        placed: list[tuple[Paragraph, float, float]] = []
        right_width = 80 * mm
        right_x = (lay.page_width - lay.margin_right) * mm - right_width
        y = page_h - lay.margin_top * mm
        for text in (letter.document_number, letter.issue_date):
            paragraph, h = self.cache.get("header", text, right_width)
            placed.append((paragraph, right_x, y - h))
            y -= h

        window_w = (lay.window_width - 2 * lay.window_padding) * mm
        window_h = (lay.window_height - 2 * lay.window_padding) * mm
        size = lay.address_font_size
        while True:
            address_style, addressee_style = self.cache.address_styles(size)
            parts = [
                self.cache.get(address_style, letter.postal_code, window_w),
                self.cache.get(address_style, letter.address, window_w),
            ]
            gap = size * 0.6
            name = self.cache.get(addressee_style, letter.addressee, window_w)
            total = sum(h for _p, h in parts) + gap + name[1]
            if total <= window_h or size <= lay.min_address_font_size:
                break
            size -= 0.5
        if total > window_h + 0.5:
            raise AddressOverflowError()
        wx = (lay.window_x + lay.window_padding) * mm
        wy = page_h - (lay.window_y + lay.window_padding) * mm
        for paragraph, h in parts:
            placed.append((paragraph, wx, wy - h))
            wy -= h
        wy -= gap
        placed.append((name[0], wx, wy - name[1]))

        # The sender sits in the right column, its last line level with the
        # window's bottom edge, and never above the date.
        sender_width = (lay.page_width - lay.margin_right - lay.window_x - lay.window_width - 5) * mm
        sender_x = (lay.page_width - lay.margin_right) * mm - sender_width
        sender = [self.cache.get("sender", text, sender_width) for text in letter.sender]
        sender_height = sum(h for _p, h in sender)
        window_bottom = page_h - (lay.window_y + lay.window_height) * mm
        sy = min(y - lay.sender_gap * mm, window_bottom + sender_height)
        for paragraph, h in sender:
            placed.append((paragraph, sender_x, sy - h))
            sy -= h
        y = min(sy, window_bottom)
        return placed, y - lay.title_gap * mm

    def _body(self, letter: FilledLetter) -> list[_Placed]:
        lay = self.layout
        width = lay.body_width * mm
        base = lay.body_font_size
        pieces: list[_Placed] = []
        paragraph, h = self.cache.get("title", letter.title, width)
        pieces.append(_Para(paragraph, h, space_after=base * 0.9))
        for block in letter.blocks:
            pieces.extend(self._block(block, width))
        if letter.contact:
            contact_width = min(lay.contact_width * mm, width)
            inner_width = contact_width - 2 * _Box.pad
            items = []
            for text in letter.contact:
                paragraph, h = self.cache.get("contact", text, inner_width)
                items.append(_Para(paragraph, h))
            box = _Box(items, contact_width, 0.0)
            pieces.append(_Right(box, width - contact_width))
        return pieces

    def _block(self, block: FilledBlock, width: float) -> list[_Placed]:
        lay = self.layout
        base = lay.body_font_size
        out: list[_Placed] = []
        if block.heading and block.type != "appeal":
            paragraph, h = self.cache.get("heading", block.heading, width)
            out.append(_Para(paragraph, h, space_after=base * 0.2))
        if block.type == "paragraph":
            for line in block.lines:
                style = "body" if line.align == "left" else f"body-{line.align}"
                paragraph, h = self.cache.get(style, line.text, width)
                out.append(_Para(paragraph, h, space_after=base * 0.45))
        elif block.type == "list":
            for number, line in enumerate(block.lines, start=1):
                paragraph, h = self.cache.get("item", line.text, width, bullet=f"（{number}）")
                out.append(_Para(paragraph, h, space_after=base * 0.15))
            if out:
                out[-1].space_after = base * 0.8
        elif block.type == "details":
            label_width = lay.table_label_width * mm
            value_width = width - label_width - 2 * _Table.pad
            rows = []
            for row in block.rows:
                label, lh = self.cache.get("cell-label", row.label, label_width - 2 * _Table.pad)
                value, vh = self.cache.get("cell", row.value, value_width)
                rows.append((label, lh, value, vh))
            if rows:
                out.append(_Table(rows, label_width, width, space_after=base * 0.9))
        elif block.type == "appeal":
            inner = width - 2 * _Box.pad
            items: list[_Para] = []
            if block.heading:
                paragraph, h = self.cache.get("appeal-heading", block.heading, inner)
                items.append(_Para(paragraph, h, space_after=1))
            for line in block.lines:
                paragraph, h = self.cache.get("appeal", line.text, inner)
                items.append(_Para(paragraph, h, space_after=1.5))
            out.append(_Box(items, width, space_after=base * 0.8))
        return out

    def layout_letter(self, content: LetterContent, template: LetterTemplate) -> _LaidOut:
        letter = fill(template, content)
        header, body_top = self._header(letter)
        lay = self.layout
        bottom = lay.margin_bottom * mm
        continuation_top = (lay.page_height - lay.margin_top) * mm - lay.header_font_size * 2
        pages = [_Page()]
        y = body_top
        at_top = False
        queue = self._body(letter)
        while queue:
            piece = queue.pop(0)
            if y - piece.height >= bottom - 0.01:
                pages[-1].pieces.append((piece, y))
                y -= piece.height + piece.space_after
                at_top = False
                continue
            parts = piece.split(y - bottom)
            if len(parts) > 1:
                queue[0:0] = parts
                continue
            if at_top:
                # Taller than a whole page and unsplittable: draw it clipped rather
                # than loop; no shipped template comes near this.
                pages[-1].pieces.append((piece, y))
                y -= piece.height + piece.space_after
                at_top = False
                continue
            pages.append(_Page())
            y = continuation_top
            at_top = True
            queue.insert(0, piece)
        return _LaidOut(letter, pages, header, letter.title)

    def draw(self, laid: _LaidOut, canvas: Canvas) -> None:
        lay = self.layout
        x = lay.margin_left * mm
        for number, page in enumerate(laid.pages, start=1):
            canvas.setFont(fonts.MINCHO, lay.header_font_size)
            if number == 1:
                for paragraph, px, py in laid.header:
                    _draw_paragraph(canvas, paragraph, px, py)
                if lay.draw_window_outline:
                    canvas.saveState()
                    canvas.setDash(2, 2)
                    canvas.setLineWidth(0.3)
                    canvas.rect(lay.window_x * mm, (lay.page_height - lay.window_y - lay.window_height) * mm,
                                lay.window_width * mm, lay.window_height * mm)
                    canvas.restoreState()
            else:
                # Continuation pages carry the document number and page, so a
                # loose sheet can be matched to its letter.
                label = f"{laid.letter.document_number}　{number}/{len(laid.pages)}"
                paragraph, h = self.cache.get("header", label, 80 * mm)
                _draw_paragraph(canvas, paragraph, (lay.page_width - lay.margin_right - 80) * mm,
                                (lay.page_height - lay.margin_top) * mm - h)
            for piece, top in page.pieces:
                piece.draw(canvas, x, top)
            canvas.showPage()


def _canvas(out: BinaryIO | io.BytesIO, layout: LetterLayout, title: str) -> Canvas:
    # invariant=1 fixes the creation date and document id: the same letter
    # gives the same bytes, so its SHA-256 identifies it.
    canvas = Canvas(out, pagesize=(layout.page_width * mm, layout.page_height * mm),
                    invariant=1, pageCompression=1, initialFontName=fonts.MINCHO)
    canvas.setTitle(title)
    canvas.setProducer(PRODUCER)
    canvas.setCreator(PRODUCER)
    return canvas


def letter_missing_glyphs(content: LetterContent, template: LetterTemplate) -> set[str]:
    """Characters in this letter that no shipped font can draw (check before issuing)."""
    return fonts.missing_glyphs(fill(template, content).all_text())


def _check_glyphs(laid: _LaidOut, allow_missing: bool) -> frozenset[str]:
    missing = frozenset(fonts.missing_glyphs(laid.letter.all_text()))
    if missing and not allow_missing:
        raise MissingGlyphsError(set(missing))
    return missing


def render_letter(content: LetterContent, template: LetterTemplate, layout: LetterLayout | None = None,
                  *, allow_missing: bool = False) -> bytes:
    """One letter as a PDF.

    Raises ``MissingGlyphsError`` if a character cannot be drawn by any font
    (unless ``allow_missing``), ``TemplateError`` for a bad template and
    ``AddressOverflowError`` if the address cannot fit the envelope window.
    """
    layout = layout or LetterLayout()
    renderer = _Renderer(layout)
    laid = renderer.layout_letter(content, template)
    _check_glyphs(laid, allow_missing)
    buffer = io.BytesIO()
    canvas = _canvas(buffer, layout, laid.title)
    renderer.draw(laid, canvas)
    canvas.save()
    return buffer.getvalue()


def render_mailing(
    items: Iterable[tuple[LetterContent, LetterTemplate]],
    layout: LetterLayout | None = None,
    out: BinaryIO | None = None,
    progress: Callable[[int], None] | None = None,
    *,
    individual: bool = False,
    on_letter: Callable[[LetterInfo, bytes], None] | None = None,
    allow_missing: bool = False,
    title: str = "",
) -> list[LetterInfo]:
    """Many letters, in the given order, into one PDF written to ``out``.

    ``items`` may be a generator: letters are laid out and drawn one at a
    time. With ``individual=True`` (or an ``on_letter`` callback) each letter
    is also drawn into its own PDF, whose SHA-256 goes into its
    ``LetterInfo`` and whose bytes are passed to ``on_letter`` and then
    dropped, so thousands of letters are never held in memory at once.
    ``progress`` is called with the number of letters done so far.
    """
    if out is None:
        raise ValueError("out is required")
    layout = layout or LetterLayout()
    # A renderer (and its paragraph cache, which holds names and addresses)
    # lives for one call only: nothing personal stays in the worker's memory,
    # and concurrent calls share no state.
    renderer = _Renderer(layout)
    mailing = _canvas(out, layout, title)
    infos: list[LetterInfo] = []
    page = 1
    want_individual = individual or on_letter is not None
    for index, (content, template) in enumerate(items):
        laid = renderer.layout_letter(content, template)
        missing = _check_glyphs(laid, allow_missing)
        renderer.draw(laid, mailing)
        info = LetterInfo(index=index, page_count=len(laid.pages), first_page=page, missing_glyphs=missing)
        page += info.page_count
        if want_individual:
            buffer = io.BytesIO()
            own = _canvas(buffer, layout, laid.title)
            renderer.draw(laid, own)
            own.save()
            data = buffer.getvalue()
            info.sha256 = hashlib.sha256(data).hexdigest()
            if on_letter is not None:
                on_letter(info, data)
        infos.append(info)
        if progress is not None:
            progress(index + 1)
    mailing.save()
    return infos


__all__ = [
    "AddressOverflowError",
    "LetterInfo",
    "LetterLayout",
    "LetterRenderError",
    "MissingGlyphsError",
    "letter_missing_glyphs",
    "render_letter",
    "render_mailing",
]
