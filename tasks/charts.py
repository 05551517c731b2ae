"""Small SVG charts that a Prefect markdown artifact shows as an image.

1. :func:`panels` draws one small panel per series, stacked, sharing the x positions: each
   panel has its own y range from zero to its highest value (so precision near 0.05 and
   coverage near 0.6 are both readable, and a move of a few percent looks like one), its title,
   and a point per value coloured by its ``kind``.
2. :func:`bars` draws one panel of bars from zero, one per labelled count (a histogram, rows
   per day); each bar carries its label and value as a tooltip.
3. :func:`intervals` draws one panel of values with their intervals against a limit line (the
   gate's paired differences against ``-max_drop``), its y range always holding zero, the
   limit and every interval.
4. :func:`image` wraps the SVG as a markdown image with a ``data:`` URI, which the Prefect UI
   renders inline (no file, no server). Written by hand (about 120 lines) rather than adding a
   plotting library for a few lines, dots and bars.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape

COLOURS = {"good": "#2e7d32", "bad": "#c62828", "neutral": "#1565c0", "other": "#9e9e9e"}
WIDTH, PANEL, TOP, LEFT, RIGHT, BOTTOM = 640, 90, 22, 64, 16, 22
EVERY_LABEL = 16
"""Bar charts with at most this many bars label every bar; others their first, middle, last."""


@dataclass(frozen=True)
class Point:
    """One value of a series; ``kind`` picks its colour (good, bad, neutral, other)."""

    value: float
    kind: str = "neutral"


@dataclass(frozen=True)
class Interval:
    """A value with its interval; ``kind`` picks its colour. None: nothing measured."""

    value: float | None
    low: float = 0.0
    high: float = 0.0
    kind: str = "neutral"


def panels(title: str, series: Mapping[str, Sequence[Point]], x_labels: Sequence[str]) -> str:
    """An SVG with one panel per series, their points at the same x positions."""
    count = max((len(points) for points in series.values()), default=0)
    height = TOP + len(series) * (PANEL + BOTTOM) + 8
    out = _open(title, height)
    for row, (name, points) in enumerate(series.items()):
        top = TOP + row * (PANEL + BOTTOM) + 14
        out += _panel(name, points, count, top)
    if series:
        baseline = TOP + len(series) * (PANEL + BOTTOM) + 4
        out += _x_labels(x_labels, count, lambda i: _x(i, count), baseline, every=False)
    out.append("</svg>")
    return "\n".join(out)


def intervals(
    title: str,
    name: str,
    values: Sequence[Interval],
    x_labels: Sequence[str],
    limit: float,
    limit_label: str,
) -> str:
    """An SVG of one panel: each value as a point with its interval, a line at zero and a
    dashed line at ``limit``; x positions as in :func:`panels`."""
    count = len(values)
    height = TOP + PANEL * 2 + BOTTOM + 8
    top, tall = TOP + 14, PANEL * 2
    measured = [v for v in values if v.value is not None]
    low = min([0.0, limit, *(v.low for v in measured)])
    high = max([0.0, limit, *(v.high for v in measured)])
    pad = (high - low) * 0.1 or 0.01
    low, high = low - pad, high + pad

    def y(value: float) -> float:
        return top + tall - (value - low) / (high - low) * tall

    out = _open(title, height)
    out += [
        f'<rect x="{LEFT}" y="{top}" width="{WIDTH - LEFT - RIGHT}" height="{tall}" '
        'fill="#fafafa" stroke="#ddd"/>',
        f'<text x="{LEFT + 4}" y="{top - 3}" fill="#333">{escape(name)}</text>',
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(0):.1f}" y2="{y(0):.1f}" stroke="#555"/>',
        f'<text x="{LEFT - 4}" y="{y(0) + 4:.1f}" text-anchor="end" fill="#555">0</text>',
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(limit):.1f}" y2="{y(limit):.1f}" '
        f'stroke="{COLOURS["bad"]}" stroke-dasharray="6 4"/>',
        f'<text x="{LEFT - 4}" y="{y(limit) + 4:.1f}" text-anchor="end" '
        f'fill="{COLOURS["bad"]}">{escape(limit_label)}</text>',
        f'<text x="{LEFT - 4}" y="{top + 10}" text-anchor="end" fill="#555">{high:+.1%}</text>',
        f'<text x="{LEFT - 4}" y="{top + tall}" text-anchor="end" fill="#555">{low:+.1%}</text>',
    ]
    for i, v in enumerate(values):
        if v.value is None:
            continue
        x, colour = _x(i, count), COLOURS.get(v.kind, COLOURS["other"])
        out += [
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y(v.low):.1f}" y2="{y(v.high):.1f}" '
            f'stroke="{colour}" stroke-width="2"/>',
            f'<circle cx="{x:.1f}" cy="{y(v.value):.1f}" r="4" fill="{colour}">'
            f"<title>{v.value:+.1%} [{v.low:+.1%}, {v.high:+.1%}]</title></circle>",
        ]
    out += _x_labels(x_labels, count, lambda i: _x(i, count), top + tall + 14, every=False)
    out.append("</svg>")
    return "\n".join(out)


def bars(title: str, name: str, values: Mapping[str, float]) -> str:
    """An SVG of one panel with a bar from zero per ``{label: value}``, in the given order."""
    height = TOP + PANEL + BOTTOM + 8
    top = TOP + 14
    labels, numbers = list(values), list(values.values())
    high = max(numbers, default=0.0) or 1.0
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(numbers))
    width = max(1.0, slot * 0.8)
    out = _open(title, height)
    out += [
        f'<rect x="{LEFT}" y="{top}" width="{WIDTH - LEFT - RIGHT}" height="{PANEL}" '
        'fill="#fafafa" stroke="#ddd"/>',
        f'<text x="{LEFT + 4}" y="{top - 3}" fill="#333">{escape(name)}</text>',
        f'<text x="{LEFT - 4}" y="{top + 10}" text-anchor="end" fill="#555">{_number(high)}</text>',
        f'<text x="{LEFT - 4}" y="{top + PANEL}" text-anchor="end" fill="#555">0</text>',
    ]
    for i, (label, value) in enumerate(zip(labels, numbers, strict=True)):
        tall = value / high * (PANEL - 12)
        out.append(
            f'<rect x="{LEFT + i * slot + (slot - width) / 2:.1f}" y="{top + PANEL - tall:.1f}" '
            f'width="{width:.1f}" height="{tall:.1f}" fill="{COLOURS["neutral"]}">'
            f"<title>{escape(label)}: {_number(value)}</title></rect>"
        )
    every = len(labels) <= EVERY_LABEL
    out += _x_labels(
        labels, len(labels), lambda i: LEFT + (i + 0.5) * slot, top + PANEL + 14, every
    )
    out.append("</svg>")
    return "\n".join(out)


def _open(title: str, height: int) -> list[str]:
    """The SVG's opening: size, white background, title."""
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="11">',
        f'<rect width="{WIDTH}" height="{height}" fill="white"/>',
        f'<text x="{LEFT}" y="14" font-size="13" font-weight="bold">{escape(title)}</text>',
    ]


def _x_labels(
    labels: Sequence[str], count: int, x: Callable[[int], float], baseline: float, every: bool
) -> list[str]:
    """Labels under the x positions: every one, or the first, middle and last."""
    chosen = range(count) if every else sorted({0, count // 2, count - 1})
    out = []
    for i in chosen:
        if not 0 <= i < len(labels):
            continue
        if every or count == 1:
            anchor, at = "middle", x(i)
        else:
            anchor = "start" if i == 0 else "end" if i == count - 1 else "middle"
            at = LEFT if i == 0 else WIDTH - RIGHT if i == count - 1 else x(i)
        out.append(
            f'<text x="{at:.1f}" y="{baseline}" text-anchor="{anchor}" '
            f'fill="#555">{escape(labels[i])}</text>'
        )
    return out


def _panel(name: str, points: Sequence[Point], count: int, top: float) -> list[str]:
    """One panel whose y axis runs from zero (or the lowest value, if negative) to the highest
    value: a small move looks small."""
    values = [p.value for p in points]
    low = min([0.0, *values])
    high = max([0.0, *values])
    span = (high - low) or 1.0

    def y(value: float) -> float:
        return top + PANEL - 6 - (value - low) / span * (PANEL - 12)

    out = [
        f'<rect x="{LEFT}" y="{top}" width="{WIDTH - LEFT - RIGHT}" height="{PANEL}" '
        'fill="#fafafa" stroke="#ddd"/>',
        f'<text x="{LEFT + 4}" y="{top - 3}" fill="#333">{escape(name)}</text>',
        *(
            f'<text x="{LEFT - 4}" y="{y(v) + 4:.1f}" text-anchor="end" fill="#555">{v:.4g}</text>'
            for v in sorted({low, high})
        ),
    ]
    if len(points) > 1:
        line = " ".join(f"{_x(i, count):.1f},{y(p.value):.1f}" for i, p in enumerate(points))
        out.append(f'<polyline points="{line}" fill="none" stroke="#90a4ae" stroke-width="1.5"/>')
    for i, p in enumerate(points):
        colour = COLOURS.get(p.kind, COLOURS["other"])
        out.append(
            f'<circle cx="{_x(i, count):.1f}" cy="{y(p.value):.1f}" r="4" fill="{colour}">'
            f"<title>{escape(name)} {p.value:.4f}</title></circle>"
        )
    return out


def _x(index: int, count: int) -> float:
    inner = WIDTH - LEFT - RIGHT - 24
    return LEFT + 12 + (inner * index / (count - 1) if count > 1 else inner / 2)


def _number(value: float) -> str:
    """A count with thousands separators; other values to 4 significant digits."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:.4g}"


def image(svg: str, alt: str) -> str:
    """Markdown showing ``svg`` inline as an image (a base64 ``data:`` URI)."""
    encoded = base64.b64encode(svg.encode()).decode("ascii")
    return f"![{alt}](data:image/svg+xml;base64,{encoded})"
