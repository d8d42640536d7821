"""Small server-side SVG charts for the staff overview (no JavaScript, no CDN). Labels are escaped."""

from __future__ import annotations

from html import escape

from markupsafe import Markup

WIDTH, HEIGHT, PAD = 640, 180, 28
COLOURS = ("#1f5f8b", "#b5452b", "#4d7f2a")


def _x(i: int, n: int) -> float:
    return PAD + (WIDTH - 2 * PAD) * (i + 0.5) / max(n, 1)


def _axis(labels: list[str], top: str) -> str:
    step = max(1, len(labels) // 8)
    ticks = "".join(
        f'<text x="{_x(i, len(labels)):.1f}" y="{HEIGHT - 6}" text-anchor="middle">{escape(label)}</text>'
        for i, label in enumerate(labels)
        if i % step == 0
    )
    base = HEIGHT - PAD
    return (
        f'<line x1="{PAD}" y1="{base}" x2="{WIDTH - PAD}" y2="{base}" stroke="#888"/>'
        f'<text x="2" y="{PAD - 8}">{escape(top)}</text>{ticks}'
    )


def _svg(title: str, body: str) -> Markup:
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
        f'font-size="10" font-family="sans-serif"><title>{escape(title)}</title>{body}</svg>'
    )


def bar_chart(title: str, labels: list[str], values: list[int]) -> Markup:
    top = max(values, default=0) or 1
    span = HEIGHT - 2 * PAD
    width = (WIDTH - 2 * PAD) / max(len(values), 1) * 0.7
    bars = "".join(
        f'<rect x="{_x(i, len(values)) - width / 2:.1f}" y="{HEIGHT - PAD - span * v / top:.1f}" '
        f'width="{width:.1f}" height="{span * v / top:.1f}" fill="{COLOURS[0]}">'
        f"<title>{escape(labels[i])}: {v}</title></rect>"
        for i, v in enumerate(values)
    )
    return _svg(title, _axis(labels, str(top)) + bars)


def line_chart(title: str, labels: list[str], series: dict[str, list[float]]) -> Markup:
    """Rates (0–1) as lines, one per series, with a legend."""
    span = HEIGHT - 2 * PAD
    body = _axis(labels, "100 %")
    for n, (name, values) in enumerate(series.items()):
        colour = COLOURS[(n + 1) % len(COLOURS)]
        points = " ".join(
            f"{_x(i, len(values)):.1f},{HEIGHT - PAD - span * v:.1f}" for i, v in enumerate(values)
        )
        body += f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>'
        body += (
            f'<text x="{WIDTH - PAD - 120}" y="{PAD + 12 * n}" fill="{colour}">'
            f"{escape(name)}: {values[-1] * 100 if values else 0:.0f} % i dag</text>"
        )
    return _svg(title, body)
