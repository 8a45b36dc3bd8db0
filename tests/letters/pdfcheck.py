"""Reading letters back: text, characters with their fonts and positions, fonts."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pypdf
from pdfminer.high_level import extract_pages, extract_text
from pdfminer.layout import LAParams, LTChar, LTTextLine

MM = 72 / 25.4


def text(pdf: bytes) -> str:
    return extract_text(io.BytesIO(pdf))


def compact(pdf: bytes) -> str:
    """Text with all whitespace removed: line breaks fall anywhere in Japanese."""
    return "".join(text(pdf).split())


@dataclass(frozen=True)
class Char:
    page: int
    text: str
    font: str
    x0: float
    x1: float
    top_mm: float  # from the top of the sheet
    bottom_mm: float
    left_mm: float
    right_mm: float


def chars(pdf: bytes) -> list[Char]:
    out: list[Char] = []

    def walk(obj, page_no, height):
        if isinstance(obj, LTChar):
            out.append(Char(page_no, obj.get_text(), obj.fontname, obj.x0, obj.x1,
                            (height - obj.y1) / MM, (height - obj.y0) / MM, obj.x0 / MM, obj.x1 / MM))
            return
        for child in getattr(obj, "__iter__", lambda: [])():
            walk(child, page_no, height)

    for page_no, page in enumerate(extract_pages(io.BytesIO(pdf)), start=1):
        walk(page, page_no, page.height)
    return out


def lines(pdf: bytes) -> list[str]:
    found: list[str] = []

    def walk(obj):
        if isinstance(obj, LTTextLine):
            found.append(obj.get_text().rstrip("\n"))
            return
        for child in getattr(obj, "__iter__", lambda: [])():
            walk(child)

    for page in extract_pages(io.BytesIO(pdf), laparams=LAParams(char_margin=1.0)):
        walk(page)
    return found


@dataclass(frozen=True)
class Font:
    base_font: str
    subtype: str
    embedded: bool


def fonts(pdf: bytes) -> list[Font]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    found: dict[str, Font] = {}
    for page in reader.pages:
        resources = page.get("/Resources") or {}
        for ref in (resources.get("/Font") or {}).values():
            font = ref.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            embedded = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            found[str(font["/BaseFont"])] = Font(str(font["/BaseFont"]), str(font["/Subtype"]), embedded)
    return list(found.values())


def page_count(pdf: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def annotations_and_images(pdf: bytes) -> tuple[int, int]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    annots = images = 0
    for page in reader.pages:
        annots += len(page.get("/Annots") or [])
        xobjects = (page.get("/Resources") or {}).get("/XObject") or {}
        images += sum(1 for x in xobjects.values() if x.get_object().get("/Subtype") == "/Image")
    return annots, images
