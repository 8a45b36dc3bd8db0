"""First page of each letter kind against a reviewed reference image.

Regenerate after an intended layout change, then look at every image before
committing it:

    LETTERS_UPDATE_REFERENCE=1 .venv/bin/python -m pytest tests/letters/test_reference_images.py
"""

from __future__ import annotations

import dataclasses
import os
import pathlib

import pypdfium2
import pytest
from PIL import Image, ImageChops, ImageStat

from enrollment.letters import LetterKind, LetterLayout, load_default_templates, render_letter
from .letter_samples import content

REFERENCE_DIR = pathlib.Path(__file__).resolve().parent / "reference"
SCALE = 100 / 72  # 100 dpi: fine enough to see a moved block, small files
# Mean absolute difference per pixel (0–255). The fonts are embedded and
# pypdfium2 ships its own pdfium, so the same build gives exactly 0.0.
# Measured: the window moved 1 mm → 0.48; a two-character name changed → 0.12;
# body text 0.5 pt larger → 17.8. The threshold leaves room for antialiasing
# differences of another pdfium build while still catching those.
THRESHOLD = 0.05
UPDATE = os.environ.get("LETTERS_UPDATE_REFERENCE") == "1"
TEMPLATES = load_default_templates()


def first_page(kind: LetterKind, layout: LetterLayout | None = None, **overrides) -> Image.Image:
    pdf = render_letter(content(kind, **overrides), TEMPLATES[kind], layout)
    return pypdfium2.PdfDocument(pdf)[0].render(scale=SCALE).to_pil().convert("L")


def difference(image: Image.Image, reference: Image.Image) -> float:
    assert image.size == reference.size
    return ImageStat.Stat(ImageChops.difference(image, reference)).mean[0]


def reference_path(kind: LetterKind) -> pathlib.Path:
    return REFERENCE_DIR / f"{kind.value}.png"


@pytest.mark.parametrize("kind", list(LetterKind))
def test_each_letter_kind_looks_like_its_reviewed_reference(kind):
    image = first_page(kind)
    path = reference_path(kind)
    if UPDATE:
        REFERENCE_DIR.mkdir(exist_ok=True)
        image.save(path, optimize=True)
    reference = Image.open(path).convert("L")
    assert difference(image, reference) < THRESHOLD


def test_the_comparison_notices_a_moved_window():
    reference = Image.open(reference_path(LetterKind.OFFER)).convert("L")
    moved = first_page(LetterKind.OFFER, LetterLayout(window_x=21.0))
    assert difference(moved, reference) > THRESHOLD


def test_the_comparison_notices_a_changed_name():
    reference = Image.open(reference_path(LetterKind.WAITLIST)).convert("L")
    child = dataclasses.replace(content(LetterKind.WAITLIST).child, family_name="長谷川", given_name="美咲")
    addressee = dataclasses.replace(content(LetterKind.WAITLIST).addressee, name="長谷川 恵美子")
    changed = first_page(LetterKind.WAITLIST, child=child, addressee=addressee)
    assert difference(changed, reference) > THRESHOLD
