"""Charts drawn on the server as SVG with Chinese labels: the same drawing on screen and in print,
no JavaScript needed. Pure functions of numbers and labels."""

import functools
import io
import shutil
import subprocess
from decimal import Decimal
from xml.etree import ElementTree

from django.utils.html import escape

COLOURS = ["#8b1a1a", "#1f5f8b", "#4a7f2a", "#b5761b", "#6a3d9a", "#2a7f7f", "#777777", "#c0392b"]
FONT = 'font-family="Noto Sans CJK SC, FandolHei, sans-serif"'


def _nice_max(value):
    value = float(value) or 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _fmt(v):
    v = float(v)
    if v >= 10000:
        return f"{v / 10000:g}万"
    return f"{v:g}"


def line_chart(title, labels, series, width=520, height=250):
    """series: [(name, [values…])] over labels (months); one polyline each, with a legend."""
    left, right, top, bottom = 56, 16, 34, 50
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = _nice_max(max((float(v) for _, vs in series for v in vs), default=0))
    n = max(len(labels) - 1, 1)

    def x(i):
        return left + plot_w * i / n

    def y(v):
        return top + plot_h * (1 - float(v) / top_value)

    parts = [_head(title, width, height)]
    parts += _grid(left, top, plot_w, plot_h, top_value)
    for i, label in enumerate(labels):
        parts.append(
            f'<text x="{x(i):.1f}" y="{top + plot_h + 16}" font-size="11" text-anchor="middle" {FONT}>{escape(label)}</text>'
        )
    for k, (name, values) in enumerate(series):
        colour = COLOURS[k % len(COLOURS)]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"><title>{escape(name)}</title></polyline>'
        )
        parts.append(_legend(k, name, colour, left, height))
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(title, labels, series, width=520, height=None):
    """Stacked bars: series [(name, [values…])] over labels (months); the legend two to a row."""
    legend_rows = (len(series) + 1) // 2
    height = height or 220 + 16 * legend_rows
    left, right, top, bottom = 56, 16, 34, 30 + 16 * legend_rows
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(Decimal(str(vs[i])) for _, vs in series) for i in range(len(labels))]
    top_value = _nice_max(max(totals, default=0))
    slot = plot_w / max(len(labels), 1)
    parts = [_head(title, width, height)]
    parts += _grid(left, top, plot_w, plot_h, top_value)
    for i, label in enumerate(labels):
        base = top + plot_h
        for k, (name, values) in enumerate(series):
            h = plot_h * float(values[i]) / top_value
            if h > 0:
                parts.append(
                    f'<rect x="{left + slot * i + slot * 0.2:.1f}" y="{base - h:.1f}" width="{slot * 0.6:.1f}" height="{h:.1f}" '
                    f'fill="{COLOURS[k % len(COLOURS)]}"><title>{escape(name)} {escape(label)}：{_fmt(values[i])}元</title></rect>'
                )
            base -= h
        parts.append(
            f'<text x="{left + slot * (i + 0.5):.1f}" y="{top + plot_h + 16}" font-size="11" text-anchor="middle" {FONT}>{escape(label)}</text>'
        )
    for k, (name, _values) in enumerate(series):
        parts.append(_legend(k, name, COLOURS[k % len(COLOURS)], left, height, per_row=2, rows=legend_rows))
    parts.append("</svg>")
    return "".join(parts)


def _head(title, width, height):
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}"><text x="{width / 2}" y="18" font-size="14" text-anchor="middle" {FONT}>{escape(title)}</text>'
    )


def _grid(left, top, plot_w, plot_h, top_value):
    parts = []
    for j in range(5):
        v = top_value * j / 4
        yy = top + plot_h * (1 - j / 4)
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="#ddd"/>')
        parts.append(
            f'<text x="{left - 4}" y="{yy + 4:.1f}" font-size="10" text-anchor="end" {FONT}>{_fmt(v)}</text>'
        )
    return parts


def _legend(k, name, colour, left, height, per_row=3, rows=1):
    row, col = divmod(k, per_row)
    xx, yy = left + col * (440 // per_row), height - 6 - (rows - 1 - row) * 16
    return (
        f'<rect x="{xx}" y="{yy - 9}" width="10" height="10" fill="{colour}"/>'
        f'<text x="{xx + 14}" y="{yy}" font-size="11" {FONT}>{escape(name)}</text>'
    )


# --- the same charts as PNG, for the DOCX (Word and WPS do not all show SVG) --------------------

SVG_NS = "{http://www.w3.org/2000/svg}"
ANCHORS = {"start": "ls", "middle": "ms", "end": "rs"}


class ChartFontMissing(RuntimeError):
    pass


@functools.lru_cache(maxsize=1)
def _font_file():
    """The Chinese face the SVG names, as fontconfig finds it: (path, index in a collection)."""
    if shutil.which("fc-match") is None:
        raise ChartFontMissing("缺少 fontconfig（fc-match）：sudo apt-get install fontconfig")
    for family in ("Noto Sans CJK SC", "FandolHei"):
        out = subprocess.run(
            ["fc-match", "-f", "%{family}|%{file}|%{index}", family],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        found, _, rest = out.partition("|")
        path, _, index = rest.partition("|")
        if family in found.split(",") and path:
            return path, int(index or 0)
    raise ChartFontMissing("缺少图表用的中文字体（黑体）：sudo apt-get install fonts-noto-cjk")


@functools.lru_cache(maxsize=32)
def _font(size):
    from PIL import ImageFont

    path, index = _font_file()
    return ImageFont.truetype(path, size, index=index)


def svg_png(svg, scale=3):
    """A chart of this module (its SVG: text, line, polyline, rect) drawn as PNG with Pillow, so
    the DOCX shows the drawing the screen and the PDF show, frozen ones included."""
    from PIL import Image, ImageDraw

    root = ElementTree.fromstring(svg)
    width, height = float(root.get("width")), float(root.get("height"))
    image = Image.new("RGB", (round(width * scale), round(height * scale)), "white")
    draw = ImageDraw.Draw(image)

    def n(el, name, default=0.0):
        return float(el.get(name, default)) * scale

    for el in root.iter():
        tag = el.tag.removeprefix(SVG_NS)
        if tag == "line":
            draw.line(
                [(n(el, "x1"), n(el, "y1")), (n(el, "x2"), n(el, "y2"))],
                fill=el.get("stroke", "black"),
                width=max(1, round(n(el, "stroke-width", 1))),
            )
        elif tag == "polyline":
            points = [tuple(float(v) * scale for v in p.split(",")) for p in el.get("points", "").split()]
            if len(points) > 1:
                draw.line(
                    points,
                    fill=el.get("stroke", "black"),
                    width=round(n(el, "stroke-width", 1)),
                    joint="curve",
                )
        elif tag == "rect":
            x, y = n(el, "x"), n(el, "y")
            draw.rectangle([x, y, x + n(el, "width"), y + n(el, "height")], fill=el.get("fill", "black"))
        elif tag == "text" and el.text:
            draw.text(
                (n(el, "x"), n(el, "y")),
                el.text,
                fill=el.get("fill", "black"),
                font=_font(round(n(el, "font-size", 12))),
                anchor=ANCHORS.get(el.get("text-anchor", "start"), "ls"),
            )
    buf = io.BytesIO()
    image.save(buf, "PNG", dpi=(96 * scale, 96 * scale))
    return buf.getvalue()
