"""Accessible inline SVG charts, rendered on the server (no JavaScript, no inline styles).

Every chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` that says what it
shows, and the page always puts the same figures in a table next to it: the chart is for seeing
at a glance, the table for reading and for screen readers. Colours come from classes styled in
``static/css/staff-runs.css``; the bars also differ by pattern of position and labels, never by
colour alone.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

_ids = itertools.count(1)


@dataclass
class Bar:
    label: str
    value: int
    limit: int | None = None  # a capacity line drawn across the bar's row
    note: str = ""  # the text printed at the end of the bar, e.g. "32 / 40"


def bar_chart(bars: list[Bar], *, title: str, description: str) -> SafeString:
    """Horizontal bars, one row per item with its label above the bar, so that the chart stays
    legible at phone width; a dashed tick marks each row's limit. Over the limit the bar gets the
    ``chart__bar--over`` class (and the note still says the figures in words)."""
    row_height, chart_width, value_space, bar_height = 46, 400, 90, 16
    scale_max = max([b.value for b in bars] + [b.limit or 0 for b in bars] + [1])
    plot_width = chart_width - value_space
    height = row_height * len(bars) + 4
    uid = next(_ids)
    rows = []
    for index, bar in enumerate(bars):
        y = 2 + index * row_height
        bar_y = y + 20
        width = round(plot_width * bar.value / scale_max)
        over = bar.limit is not None and bar.value > bar.limit
        parts = [format_html('<text class="chart__label" x="0" y="{}">{}</text>', y + 14, bar.label),
                 format_html('<rect class="chart__bar{}" x="0" y="{}" width="{}" height="{}"></rect>',
                             " chart__bar--over" if over else "", bar_y, max(width, 1), bar_height)]
        if bar.limit is not None:
            x = max(1, round(plot_width * bar.limit / scale_max))
            parts.append(format_html('<line class="chart__limit" x1="{}" x2="{}" y1="{}" y2="{}"></line>',
                                     x, x, bar_y - 3, bar_y + bar_height + 3))
        value_x = max(width, round(plot_width * (bar.limit or 0) / scale_max)) + 6
        parts.append(format_html('<text class="chart__value" x="{}" y="{}">{}</text>',
                                 value_x, bar_y + bar_height - 3, bar.note or bar.value))
        rows.append(format_html("<g>{}</g>", SafeString("".join(parts))))
    return format_html(
        '<svg class="chart" role="img" aria-labelledby="chart-title-{uid} chart-desc-{uid}" '
        'viewBox="0 0 {w} {h}" preserveAspectRatio="xMinYMin meet" focusable="false">'
        '<title id="chart-title-{uid}">{title}</title><desc id="chart-desc-{uid}">{desc}</desc>{rows}</svg>',
        uid=uid, w=chart_width, h=height, title=title, desc=description,
        rows=format_html_join("", "{}", ((r,) for r in rows)))
