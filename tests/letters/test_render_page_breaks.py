"""A paragraph that does not fit at the foot of a page moves whole to the next page."""

import io

from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from enrollment.letters.render import _Para


def test_it_draws_a_paragraph_pushed_whole_to_the_next_page():
    # Found by the crawl (tests/web/test_crawl.py): a waitlist letter whose paragraph had one line
    # of room at the page foot failed the whole mailing with "'Paragraph' object has no attribute
    # 'blPara'", because ReportLab's split drops the wrapped lines when it refuses to split.
    style = ParagraphStyle("body", fontName="Helvetica", fontSize=10, leading=14)
    paragraph = Paragraph(" ".join(["The child waits for a place at the club."] * 12), style)
    _w, height = paragraph.wrap(200, 10**6)
    piece = _Para(paragraph, height)

    assert piece.split(14) == []  # one line of room: no orphan line, the paragraph moves on

    canvas = Canvas(io.BytesIO())
    piece.draw(canvas, 50, 800)
    canvas.showPage()
    canvas.save()
