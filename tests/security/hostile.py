"""Hostile strings and the checks that each output shows them literally and never runs them."""

import csv
import io
import json
import subprocess
from html.parser import HTMLParser

from defusedxml import ElementTree

# Every string a user could type into a text field to attack a reader of the output.
CORPUS = [
    "<script>window.pwned=1</script>",
    '<img src=x onerror="window.pwned=1">',
    '" onmouseover="window.pwned=1',
    "javascript:window.pwned=1",
    "${window.pwned=1}",
    "`;window.pwned=1;`",
    "</script><script>window.pwned=1</script>",
    "\u202egnp.exe",
    '=HYPERLINK("http://evil.example","x")',
    "+cmd|' /C calc'!A0",
    "-1+1",
    "@SUM(1)",
    "\t=1+2",
    "\r=1+2",
    "Fish &amp; Chips & \"Bob's\" &lt;b&gt;",
    "<i>&'\"</i>" * 30,  # 300 characters
]
IDS = ["script", "img-onerror", "attr-breakout", "javascript-url", "template-literal",
       "backticks", "close-script", "rtl-override", "hyperlink", "dde", "minus", "at",
       "tab-led", "cr-led", "quotes-amps", "long-300"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Characters that matter to HTML, JavaScript and spreadsheets: storage must keep every one.
SIGNIFICANT = set("<>&\"'`$=+-@|!(){};/:")
BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "xlink:href")


def significant(text: str) -> list[str]:
    """The HTML/JS/formula characters of a text, in order (white space may be tidied)."""
    return [c for c in text if c in SIGNIFICANT]


def assert_kept(stored: str, typed: str) -> None:
    """Stored as typed: every significant character kept, nothing escaped on the way in, and no
    bidi control left to reverse what is shown after it."""
    assert significant(stored) == significant(typed), f"{typed!r} was stored as {stored!r}"
    assert not BIDI_CONTROLS & set(stored), f"{stored!r} keeps a bidi control"


def fit(text: str, limit: int) -> str:
    """The string cut to a field's maximum length (only the 300-character one is cut)."""
    return text[:limit]


def flat(text: str) -> str:
    """Runs of white space made one space."""
    return " ".join(text.split())


class _Page(HTMLParser):
    """Everything a browser would build from a page: text, attributes, script bodies."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts, self.attributes, self.scripts, self.tags = [], [], [], []
        self._script_type = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        self.attributes.extend(attrs)
        if tag == "script":
            self._script_type = dict(attrs).get("type") or "text/javascript"
            self.scripts.append([self._script_type, "", dict(attrs).get("id")])

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, attrs))
        self.attributes.extend(attrs)

    def handle_endtag(self, tag):
        if tag == "script":
            self._script_type = None

    def script(self, element_id: str) -> str:
        """The body of the script element with this id."""
        return next(body for _kind, body, found in self.scripts if found == element_id)

    def handle_data(self, data):
        if self._script_type:
            self.scripts[-1][1] += data
        else:
            self.texts.append(data)


def parse_html(html: str) -> _Page:
    """The page parsed as a browser would tokenise it."""
    page = _Page()
    page.feed(html)
    page.close()
    return page


def assert_no_injection(html: str) -> None:
    """No element, attribute, URL or script that the corpus could have planted."""
    page = parse_html(html)
    lowered = html.lower()
    assert "<script>window.pwned" not in lowered, "a <script> tag got through unescaped"
    assert "<img src=x" not in lowered, "an <img> tag got through unescaped"
    for name, value in page.attributes:
        assert not (name.startswith("on") and "pwned" in (value or "")), f"handler {name}"
        if name in URL_ATTRIBUTES:
            assert not (value or "").strip().lower().startswith("javascript:"), f"{name} URL"
    for kind, body, _id in page.scripts:
        assert not body.strip().startswith("window.pwned"), "a planted script element"
        if "json" not in kind:
            assert "${window.pwned" not in body, "a template literal in a script runs it"
            assert "`;window.pwned" not in body, "a backtick ends a template literal"


def assert_shown_literally(html: str, stored: str) -> None:
    """The stored text is on the page exactly once-escaped (the reader sees it as typed)."""
    assert_no_injection(html)
    page = parse_html(html)
    visible = [*page.texts, *(value or "" for _name, value in page.attributes)]
    assert any(stored in chunk for chunk in visible), f"{stored!r} is not shown as typed"
    for kind, body, _id in page.scripts:
        if "json" not in kind and any(c in stored for c in "<>`$\""):
            assert stored not in body, "the raw text is inside a script"


def csv_cells(text: str) -> list[list[str]]:
    """A CSV file's rows (header first)."""
    return list(csv.reader(io.StringIO(text, newline="")))


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def neutralised(stored: str) -> str:
    """What a safe CSV cell holding this text looks like."""
    return "'" + stored if stored.startswith(FORMULA_STARTS) else stored


def assert_csv_safe(text: str, *stored: str) -> None:
    """No cell a spreadsheet would run as a formula; each stored text is a cell, neutralised
    if it looks like a formula and otherwise unchanged."""
    rows = csv_cells(text)
    cells = [cell for row in rows[1:] for cell in row]
    for cell in cells:
        assert not cell.startswith(FORMULA_STARTS) or _number(cell), f"formula cell {cell!r}"
    for value in stored:
        assert neutralised(value) in cells, f"{neutralised(value)!r} is not a cell"


def json_strings(document) -> list[str]:
    """Every string value anywhere in a parsed JSON document."""
    if isinstance(document, str):
        return [document]
    if isinstance(document, dict):
        return [s for value in document.values() for s in json_strings(value)]
    if isinstance(document, list):
        return [s for value in document for s in json_strings(value)]
    return []


def assert_json_has(raw: bytes | str, stored: str) -> None:
    """The stored text is a JSON string value, exactly."""
    assert stored in json_strings(json.loads(raw)), f"{stored!r} is not a value"


def xml_texts(raw: bytes) -> list[str]:
    """Every text and attribute value of an XML document, parsed safely."""
    root = ElementTree.fromstring(raw)
    return [t for el in root.iter() for t in (el.text, el.tail, *el.attrib.values()) if t]


def assert_pdf_has(words: str, stored: str) -> None:
    """The stored text is in the PDF's words (a line may wrap anywhere in it)."""
    assert "".join(stored.split()) in "".join(words.split()), f"{stored!r} not in the PDF"


def write_gias(path, schools: list[tuple[int, str, str, float, float]]) -> None:
    """A GIAS register CSV of open primary schools: (urn, name, street, easting, northing)."""
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["URN", "EstablishmentName", "TypeOfEstablishment (name)",
                         "PhaseOfEducation (name)", "EstablishmentStatus (name)", "Postcode",
                         "Easting", "Northing", "Street"])
        for urn, name, street, easting, northing in schools:
            writer.writerow([urn, name, "Community school", "Primary", "Open", "", easting,
                             northing, street])


def pdf_text(pdf: bytes, tmp_path) -> str:
    """The PDF's words (poppler's pdftotext), white space made single spaces."""
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    words = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True,
                           capture_output=True, text=True).stdout
    return flat(words)


def pdf_title(pdf: bytes, tmp_path) -> str:
    """The PDF's document title (poppler's pdfinfo)."""
    path = tmp_path / "titled.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", "-enc", "UTF-8", str(path)], check=True,
                          capture_output=True, text=True).stdout
    return next((line.split(":", 1)[1].strip() for line in info.splitlines()
                 if line.startswith("Title:")), "")
