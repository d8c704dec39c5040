"""A haven map's plan as an SVG document in millimetres, for WeasyPrint (pure)."""

import base64

from mapping import svg
from mapping.haven_map_drawing import (
    BACKGROUND,
    HAVEN_RADIUS_MM,
    Area,
    Line,
    MapPlan,
    MapScene,
    Polyline,
    Text,
    north_box,
    plan_map,
    scale_texts,
    star_points,
)

FONT = "DejaVu Sans, sans-serif"


def path_data(polylines: list[Polyline]) -> str:
    """One SVG path `d` for many lines and rings."""
    pieces = []
    for points, closed in polylines:
        coords = " ".join(f"{x:.1f} {y:.1f}" for x, y in points)
        first, _, rest = coords.partition(" ")
        head, _, tail = rest.partition(" ")
        pieces.append(f"M{first} {head}L{tail}{'Z' if closed else ''}")
    return "".join(pieces)


def _area(area: Area) -> str:
    return svg.path(path_data(area.rings), fill=area.colour, fill_rule="evenodd", stroke="none")


def _line(line: Line) -> str:
    dash = " ".join(f"{v:g}" for v in line.dash) if line.dash else None
    return svg.path(path_data(line.lines), fill="none", stroke=line.colour,
                    stroke_width=line.width, stroke_dasharray=dash, stroke_linecap="round",
                    stroke_linejoin="round")


def _text(text: Text) -> str:
    return svg.text(text.x, text.y, text.content, font_size=text.size,
                    font_weight="bold" if text.bold else None, fill=text.fill,
                    text_anchor=text.anchor, font_family=FONT, rotate=text.rotate,
                    halo_mm=text.halo_mm, letter_spacing=text.spacing or None)


def _labels(plan: MapPlan) -> str:
    r = HAVEN_RADIUS_MM
    leaders = "".join(
        f'<line x1="{lb.x:.2f}" y1="{lb.y:.2f}" x2="{lb.label_x:.2f}" y2="{lb.label_y:.2f}" '
        f'stroke="#000" stroke-width="0.35"/><circle cx="{lb.x:.2f}" cy="{lb.y:.2f}" r="0.8" '
        f'fill="#000" stroke="#fff" stroke-width="0.25"/>' for lb in plan.labels if lb.moved)
    circles = []
    for lb in plan.labels:
        size = 3.2 if lb.number < 100 else 2.4
        circles.append(f'<circle cx="{lb.label_x:.2f}" cy="{lb.label_y:.2f}" r="{r}" '
                       f'fill="#000" stroke="#fff" stroke-width="0.45"/>')
        circles.append(_text(Text(lb.label_x, lb.label_y + size * 0.36, str(lb.number), size,
                                  bold=True, fill="#fff", anchor="middle")))
    return leaders + "".join(circles)


def _furniture(plan: MapPlan) -> str:
    """Scale bar and north arrow."""
    bar = plan.scale
    left, top, right, bottom = bar.box
    half = bar.length_mm / 2
    x, arrow_top = plan.north
    nl, nt, nr, nb = north_box(plan.north)
    return "".join([
        f'<rect x="{left:.1f}" y="{top:.1f}" width="{right - left:.1f}" '
        f'height="{bottom - top:.1f}" fill="#fff" fill-opacity="0.85"/>',
        f'<rect x="{bar.left:.1f}" y="{bar.bottom - 1.6:.1f}" width="{half:.2f}" height="1.6" '
        f'fill="#000"/>',
        f'<rect x="{bar.left + half:.2f}" y="{bar.bottom - 1.6:.1f}" width="{half:.2f}" '
        f'height="1.6" fill="#fff" stroke="#000" stroke-width="0.3"/>',
        *(_text(t) for t in scale_texts(bar)),
        f'<rect x="{nl:.1f}" y="{nt:.1f}" width="{nr - nl:.1f}" height="{nb - nt:.1f}" '
        f'fill="#fff" fill-opacity="0.85"/>',
        f'<path d="M{x:.1f} {arrow_top + 4:.1f}l-2.5 7.5l2.5-2l2.5 2z" fill="#000"/>',
        _text(Text(x, arrow_top + 3.2, "N", 3.4, bold=True, anchor="middle")),
    ])


def map_svg(scene: MapScene | MapPlan) -> str:
    """The whole map as an SVG document sized in millimetres."""
    plan = scene if isinstance(scene, MapPlan) else plan_map(scene)
    width, height = plan.width_mm, plan.height_mm
    raster = ""
    if plan.raster:
        uri = "data:image/jpeg;base64," + base64.b64encode(plan.raster).decode("ascii")
        raster = (f'<image href="{uri}" x="0" y="0" width="{width:.1f}" height="{height:.1f}" '
                  f'preserveAspectRatio="none"/>')
    cx, cy, r = plan.circle
    star = " ".join(f"{x:.2f},{y:.2f}" for x, y in star_points(*plan.star))
    body = "".join([
        f'<rect width="{width:.1f}" height="{height:.1f}" fill="{BACKGROUND}"/>', raster,
        *(_area(a) for a in plan.areas), *(_line(line) for line in plan.lines),
        f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}" fill="none" stroke="#222" '
        f'stroke-width="0.5" stroke-dasharray="2.5 1.5"/>',
        *(_text(t) for t in plan.texts),
        f'<polygon points="{star}" fill="#000" stroke="#fff" stroke-width="0.5" '
        f'stroke-linejoin="round"/>', _text(plan.school_word),
        _labels(plan), _furniture(plan),
        f'<rect width="{width:.1f}" height="{height:.1f}" fill="none" stroke="#000" '
        f'stroke-width="0.5"/>',
    ])
    return svg.document(width, height, body, title=plan.title)
