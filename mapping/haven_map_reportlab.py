"""A school's haven map as a PDF drawn directly with ReportLab: the fast engine (pure).

The same page as `haven_map.html` (see haven_map_pdf), laid out with ReportLab's frames and
tables in millimetres of the A4 design; the A3 poster multiplies every length by √2. ReportLab
cannot lay out right-to-left or shaped scripts, so haven_map_pdf sends maps with such text to
WeasyPrint instead (see `needs_shaping` there).
"""

import io
from contextlib import contextmanager
from functools import cache, lru_cache, partial
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib.colors import black
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A3, A4, landscape, portrait
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Frame,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from mapping.haven_map_canvas import BOLD, REGULAR, colour, register_fonts
from mapping.haven_map_content import HavenEntry, HavenMapContent
from mapping.haven_map_drawing import MapScene, distance_label, plan_map, walk_minutes
from mapping.haven_map_pictures import Picture, badge, map_picture, qr, sign

PAGES = {"A4": A4, "A3": A3}
MARGINS_MM = (9.0, 10.0, 12.0)  # top, sides, bottom (as haven_map.html)
GREY = colour("#999")


class _Units:
    """Lengths of the A4 design (millimetres) in points on this page size."""

    def __init__(self, scale: float):
        self.u = mm * scale

    def __call__(self, value: float) -> float:
        return value * self.u

    def style(self, name: str, size: float, *, bold=False, leading=1.3, **extra):
        """A paragraph style in DejaVu Sans, sized in design millimetres."""
        return ParagraphStyle(name, fontName=BOLD if bold else REGULAR, fontSize=self(size),
                              leading=self(size * leading), **extra)


@cache
def _styles(scale: float, orientation: str) -> dict[str, ParagraphStyle]:
    """The page's paragraph styles (made once per size and orientation in a process, so that
    parsed paragraphs can be reused: see _parsed)."""
    u = _Units(scale)
    return {
        "title": u.style("title", 8 if orientation == "portrait" else 7.5, bold=True,
                         leading=1.1),
        "lead": u.style("lead", 3.8, spaceBefore=u(1.2), spaceAfter=u(2.5)),
        "small": u.style("small", 2.3, textColor=colour("#444"), spaceBefore=u(0.8)),
        "what": u.style("what", 3.9, bold=True, leading=1.28),
        "centre": u.style("centre", 2.6, bold=True, alignment=TA_CENTER),
        "qr": u.style("qr", 2.4, leading=1.2, alignment=TA_CENTER),
        "url": u.style("url", 1.9, leading=1.2, alignment=TA_CENTER),
        "none": u.style("none", 3.8, bold=True, spaceAfter=u(1)),
        "h2": u.style("h2", 4.6, bold=True, spaceBefore=u(3.5), spaceAfter=u(1)),
        "th": u.style("th", 2.7, bold=True),
        "td": u.style("td", 3.3),
        "cell": u.style("cell", 2.8),
        "contact": u.style("contact", 3.2, spaceBefore=u(3)),
    }


@lru_cache(maxsize=4096)
def _parsed(text: str, style: ParagraphStyle) -> list:
    """A paragraph's markup parsed into fragments, once per text and style."""
    return Paragraph(text, style).frags


@lru_cache(maxsize=8192)
def _broken(text: str, style: ParagraphStyle, width: float) -> tuple:
    """A paragraph's lines broken to a width, once per text, style and width: its width, the
    widths it was broken to, the lines and its height."""
    paragraph = Paragraph(text, style, frags=_parsed(text, style))
    paragraph.wrap(width, 0)
    return paragraph.width, paragraph._wrapWidths, paragraph.blPara, paragraph.height


class _Paragraph(Paragraph):
    """A paragraph parsed and broken into lines once per text, style and width in a process:
    hours, distances and headers repeat on every map, and a table wraps every cell again to
    draw it and again each time it splits across pages. Laying out and drawing a paragraph only
    read its fragments and lines."""

    def __init__(self, text, style, bulletText=None, frags=None, **options):
        # The pieces of a paragraph split across pages come with fragments of their own.
        self._key = (text, style) if frags is None and bulletText is None and not options else None
        super().__init__(text, style, bulletText, frags if self._key is None
                         else _parsed(text, style), **options)

    def wrap(self, availWidth, availHeight):
        if self._key is None or availWidth < rl_config._FUZZ:  # as Paragraph.wrap
            return super().wrap(availWidth, availHeight)
        self.width, self._wrapWidths, self.blPara, self.height = _broken(*self._key, availWidth)
        return self.width, self.height


def _text(value: str) -> str:
    """User text made safe for ReportLab's paragraph markup (it is printed literally)."""
    return escape(value).replace("\n", " ")


class _Page:
    """One map's page: its sizes, styles and the pieces they make."""

    def __init__(self, content: HavenMapContent, size: str, orientation: str, scale: float,
                 map_box: tuple[float, float]):
        register_fonts()
        self.c, self.orientation, self.u = content, orientation, _Units(scale)
        paper = PAGES[size]
        self.pagesize = portrait(paper) if orientation == "portrait" else landscape(paper)
        top, side, bottom = MARGINS_MM
        self.frame_box = (self.u(side), self.u(bottom), self.pagesize[0] - 2 * self.u(side),
                          self.pagesize[1] - self.u(top) - self.u(bottom))
        self.map_box = map_box
        self.radius_label = distance_label(content.radius_m)
        self.styles = _styles(scale, orientation)

    def para(self, text: str, style: str) -> Paragraph:
        """A paragraph of already-escaped markup."""
        return _Paragraph(text, self.styles[style])

    def title(self) -> list:
        """The heading and the line under it."""
        return [self.para(f"Safe Havens near {_text(self.c.school_name)}", "title"),
                self.para("Places that will help you if you feel scared or in danger on your "
                          "way to or from school.", "lead")]

    def map_and_help(self, plan) -> list:
        """The map, its caption and the box that tells a child what to do."""
        minutes = walk_minutes(self.c.radius_m)
        credits = "".join(f"{_text(a)}. " for a in self.c.attributions)
        caption = (f"Dashed circle: {self.radius_label} from the school, about {minutes} "
                   f"minutes' walk. {credits}")
        return [map_picture(plan, self.u.u), self.para(caption, "small"), Spacer(1, self.u(2.5)),
                self.help_box()]

    def help_box(self) -> Table:
        """Sticker, what to do, and the QR code to the finder."""
        u = self.u
        width = self.map_box[0]
        sticker = [Picture(u(21), u(17.5), sign), Spacer(1, u(0.8)),
                self.para("Look for this sticker", "centre")]
        what = [self.para("If you feel scared or in danger, go into a shop with this sticker "
                          "and tell the staff. They will help you and call your parent, carer "
                          "or the police.", "what"), Spacer(1, u(1.2)),
                self.para("In an emergency, call 999.", "what")]
        code = [qr(self.c.finder_url, u(25)),
              self.para("Scan to find the nearest Safe Haven that is open now", "qr"),
              self.para(_text(self.c.finder_url), "url")]
        table = Table([[sticker, what, code]], colWidths=[u(27), u(width - 27 - 33), u(33)])
        table.setStyle(TableStyle([
            ("BOX", (0, 0), (-1, -1), u(0.8), black),
            ("ROUNDEDCORNERS", [u(3)] * 4),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("ALIGN", (0, 0), (0, 0), "CENTER"),
            ("ALIGN", (2, 0), (2, 0), "CENTER"),
            ("TOPPADDING", (0, 0), (-1, -1), u(2)), ("BOTTOMPADDING", (0, 0), (-1, -1), u(2)),
            ("LEFTPADDING", (0, 0), (-1, -1), u(2)), ("RIGHTPADDING", (0, 0), (-1, -1), u(2))]))
        return table

    def none_box(self, wide: bool) -> list:
        """"There is no Safe Haven within ... yet", when the list is of havens beyond it."""
        if not self.c.beyond_radius:
            return []
        lines = [self.para(f"There is no Safe Haven within {self.radius_label} of the school "
                           "yet.", "none")]
        if wide and self.c.havens:
            lines.append(self.para("The nearest ones are further away: they are numbered on "
                                   "the map and listed below.", "none"))
        box = Table([[lines]])
        box.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), self.u(0.6), black, None, (4, 3)),
                                 ("TOPPADDING", (0, 0), (-1, -1), self.u(2.5)),
                                 ("LEFTPADDING", (0, 0), (-1, -1), self.u(2.5))]))
        return [Spacer(1, self.u(3)), box]

    def caption(self, continued: bool = False) -> list:
        """The legend's heading (on a new page when not even a row would fit under it)."""
        text = ("The nearest Safe Havens" if self.c.beyond_radius
                else f"Safe Havens within {self.radius_label} of the school")
        return [CondPageBreak(self.u(32)), self.para(text + (" (continued)" if continued else ""),
                                                       "h2")]

    def _haven_cell(self, haven: HavenEntry, narrow: bool) -> Paragraph:
        size = self.u(2.8)
        parts = [f"<b>{_text(haven.name)}</b>"]
        if haven.address:
            parts.append(f'<font size="{size:.2f}">{_text(haven.address)}</font>')
        if narrow:
            after = (f"&#10004; Open after school: {_text(haven.after_school)}"
                     if haven.after_school else "Not open all of 15:00-18:00 on school days")
            parts += [f'<font size="{size:.2f}">{_text(haven.hours)}</font>',
                      f'<font size="{size:.2f}">{after}</font>']
        return self.para("<br/>".join(parts), "td")

    def legend(self, havens: list[HavenEntry], narrow: bool, width: float) -> Table:
        """The numbered list: wide (five columns) or narrow (beside a landscape map)."""
        u = self.u
        if narrow:
            header = ["No.", "Safe Haven", "Distance"]
            widths = [9, width - 9 - 19, 19]
        else:
            header = ["No.", "Safe Haven", "Opening hours",
                      "Open after school (15:00-18:00)", "Distance"]
            widths = [9, width - 9 - 56 - 30 - 19, 56, 30, 19]
        rows = [[self.para(h, "th") for h in header]]
        for haven in havens:
            row = [badge(haven.number, u(6.2), u(3.3 if haven.number < 100 else 2.6), u(1.15)),
                   self._haven_cell(haven, narrow)]
            if not narrow:
                after = (f"&#10004; {_text(haven.after_school)}" if haven.after_school
                         else "No")
                row += [self.para(_text(haven.hours), "cell"), self.para(after, "cell")]
            row.append(self.para(distance_label(haven.distance_m), "cell"))
            rows.append(row)
        table = Table(rows, colWidths=[u(w) for w in widths], repeatRows=1)
        table.setStyle(TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LINEBELOW", (0, 0), (-1, 0), u(0.6), black),
            ("LINEBELOW", (0, 1), (-1, -1), u(0.3), GREY),
            ("TOPPADDING", (0, 0), (-1, -1), u(1.2)), ("BOTTOMPADDING", (0, 0), (-1, -1), u(1.2)),
            ("LEFTPADDING", (0, 0), (-1, -1), u(1.5)), ("RIGHTPADDING", (0, 0), (-1, -1), u(1.5)),
            ("LEFTPADDING", (0, 0), (0, -1), 0)]))
        return table

    def contact(self) -> Paragraph:
        """Whom to ask, and how to suggest a shop."""
        if self.c.contact:
            text = ("Questions, or know a shop near the school that could become a Safe Haven? "
                    f"Contact <b>{_text(self.c.contact)}</b>.")
        else:
            text = ("Know a shop near the school that could become a Safe Haven? Ask at the "
                    f"school office how to reach the {_text(self.c.scheme_name)} scheme.")
        return self.para(text, "contact")


def _portrait(page: _Page, plan) -> list:
    story = [*page.title(), *page.map_and_help(plan), *page.none_box(wide=True)]
    if page.c.havens:
        story += [*page.caption(), page.legend(page.c.havens, narrow=False,
                                              width=page.frame_box[2] / page.u.u)]
    return [*story, page.contact()]


def _height(flowables: list, width: float) -> float:
    return sum(f.wrap(width, 10**6)[1] + f.getSpaceBefore() + f.getSpaceAfter()
               for f in flowables)


def _rows_beside(page: _Page, side_width: float, available: float) -> int:
    """How many legend rows fit beside the map (all of them only if the contact fits too)."""
    havens = page.c.havens
    fixed = _height([*page.none_box(wide=False), *page.caption()[1:]], side_width)
    table = page.legend(havens, narrow=True, width=side_width / page.u.u)
    table.wrap(side_width, 10**6)
    used, fitting = fixed + table._rowHeights[0], 0
    for height in table._rowHeights[1:]:
        if used + height > available:
            break
        used, fitting = used + height, fitting + 1
    if fitting == len(havens) and used + _height([page.contact()], side_width) > available:
        fitting -= 1
    return fitting


def _landscape(page: _Page, plan) -> list:
    u = page.u
    title = page.title()
    width, height = page.frame_box[2], page.frame_box[3]
    side_width = width - u(page.map_box[0]) - u(5)
    available = height - _height(title, width) - u(1)
    split = _rows_beside(page, side_width, available) if page.c.havens else 0
    side = [*page.none_box(wide=False)]
    if split:
        side += [*page.caption()[1:], page.legend(page.c.havens[:split], narrow=True,
                                             width=side_width / u.u)]
    rest = page.c.havens[split:]
    if not rest:
        side.append(page.contact())
    top = Table([[page.map_and_help(plan), side]], colWidths=[u(page.map_box[0]) + u(5),
                                                              side_width])
    top.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                             *((edge, (0, 0), (-1, -1), 0) for edge in (
                                 "LEFTPADDING", "RIGHTPADDING", "TOPPADDING",
                                 "BOTTOMPADDING"))]))
    story = [*title, top]
    if rest:
        story += [PageBreak(), *page.caption(continued=True)[1:],
                  page.legend(rest, narrow=False, width=width / u.u), page.contact()]
    return story


@contextmanager
def _binary_streams():
    """Page streams written deflated only, not also in ASCII85: a tenth smaller and no slow
    encoding pass (ReportLab has only a process-wide switch, read when pages are written)."""
    before, rl_config.useA85 = rl_config.useA85, 0
    try:
        yield
    finally:
        rl_config.useA85 = before


class _NumberedCanvas(Canvas):
    """Draws each page's footer, "Page X of Y" and, after the first, the running head."""

    def __init__(self, *args, page: _Page, **kwargs):
        super().__init__(*args, **kwargs)
        self._page, self._states = page, []

    def showPage(self):
        """Keep the page for later, when the number of pages is known."""
        self._states.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        """Decorate every page, then write the document."""
        for number, state in enumerate(self._states, 1):
            self.__dict__.update(state)
            self._decorate(number, len(self._states))
            super().showPage()
        with _binary_streams():
            super().save()

    def _decorate(self, number: int, total: int) -> None:
        page, u = self._page, self._page.u
        width, height = page.pagesize
        left = u(MARGINS_MM[1])
        self.setFillColor(colour("#333"))
        self.setFont(REGULAR, u(2.5))
        footer = (f"Printed on {page.c.printed_on.day} {page.c.printed_on:%B %Y}: only places "
                  f"that were Safe Havens that day are shown. Map ref {page.c.fingerprint}.")
        self.drawString(left, u(MARGINS_MM[2]) / 2, footer)
        self.drawRightString(width - left, u(MARGINS_MM[2]) / 2, f"Page {number} of {total}")
        if number > 1:
            head = f"Safe Havens near {page.c.school_name} (continued)"
            size = u(3.4)
            while size > u(2) and self.stringWidth(head, BOLD, size) > width - 2 * left:
                size *= 0.95
            self.setFillColor(black)
            self.setFont(BOLD, size)
            self.drawString(left, height - u(MARGINS_MM[0]) / 2 - size / 3, head)


def reportlab_pdf(content: HavenMapContent, *, size: str, orientation: str, scale: float,
                  map_box: tuple[float, float], scene: MapScene) -> bytes:
    """The printable map as PDF bytes (text that needs no shaping: see the module docstring)."""
    page = _Page(content, size, orientation, scale, map_box)
    plan = plan_map(scene)
    buffer = io.BytesIO()
    x, y, width, height = page.frame_box
    document = BaseDocTemplate(
        buffer, pagesize=page.pagesize, leftMargin=x, rightMargin=x, bottomMargin=y,
        topMargin=page.pagesize[1] - y - height, title=f"Safe Havens near {content.school_name}",
        author=content.scheme_name, subject=f"Map ref {content.fingerprint}",
        keywords=f"Safe Havens, map ref {content.fingerprint}", creator="Safe Havens",
        invariant=True)
    document.addPageTemplates([PageTemplate(id="page", frames=[
        Frame(x, y, width, height, leftPadding=0, rightPadding=0, topPadding=0,
              bottomPadding=0)])])
    story = _portrait(page, plan) if orientation == "portrait" else _landscape(page, plan)
    document.build(story, canvasmaker=partial(_NumberedCanvas, page=page))
    return buffer.getvalue()
