"""Turning an OGC API Features filter (CQL2 text) into a SQL condition, safely.

A client's `filter` is parsed with pygeofilter, then translated node by node into a SQLAlchemy
boolean clause. Only whitelisted attributes can be named, every value is checked against the
attribute's type and sent as a bound parameter, and anything unsupported, too long, too deeply
nested or malformed is refused with an InvalidInput (400) a GIS analyst can act on.

pygeofilter's own CQL2 grammar gives AND and OR the same precedence (so `a OR b AND c` would
mean `(a OR b) AND c`), cannot negate a bracketed condition and cannot read a doubled quote
inside a string. We therefore build the parser from its grammar with those three rules
corrected, and keep its transformer, so the AST is pygeofilter's.
"""

import functools
import logging
import operator
import os
import re
from collections.abc import Callable
from datetime import date, datetime

import lark
import shapely
from pygeofilter import ast, values
from pygeofilter.parsers.cql2_text import parser as cql2_text
from shapely.geometry import shape
from sqlalchemy import and_, literal, not_, or_
from sqlalchemy.sql.elements import ColumnElement

from core.errors import InvalidInput

log = logging.getLogger(__name__)

MAX_FILTER_CHARS = 4000
MAX_DEPTH = 30
LARGEST_INTEGER = 2**63 - 1  # PostgreSQL's bigint
KINDS = ("string", "integer", "number", "date", "boolean")
EXAMPLE = "term = '2026-autumn' AND cell_m = 150"
BBOX_EXAMPLE = "BBOX(-0.2, 51.4, 0.1, 51.6)"
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATE_LITERAL = re.compile(r"DATE\s*\(\s*'([^']*)'\s*\)")

COMPARISONS = {
    ast.ComparisonOp.EQ: operator.eq, ast.ComparisonOp.NE: operator.ne,
    ast.ComparisonOp.LT: operator.lt, ast.ComparisonOp.LE: operator.le,
    ast.ComparisonOp.GT: operator.gt, ast.ComparisonOp.GE: operator.ge,
}
# `150 < cell_m` is read as `cell_m > 150`.
MIRRORED = {
    ast.ComparisonOp.EQ: ast.ComparisonOp.EQ, ast.ComparisonOp.NE: ast.ComparisonOp.NE,
    ast.ComparisonOp.LT: ast.ComparisonOp.GT, ast.ComparisonOp.LE: ast.ComparisonOp.GE,
    ast.ComparisonOp.GT: ast.ComparisonOp.LT, ast.ComparisonOp.GE: ast.ComparisonOp.LE,
}

CONDITION_RULES = '''?condition: and_condition
          | condition "OR"i and_condition                                  -> or_

?and_condition: condition_1
              | and_condition "AND"i condition_1                           -> and_

?condition_1: predicate
            | "NOT"i condition_1                                           -> not_
            | "(" condition ")"

'''
QUOTED_STRING_RULE = r"SINGLE_QUOTED: /'(?:[^']|'')*'/"


@lark.v_args(meta=False, inline=True)
class _Transformer(cql2_text.CQLTransformer):
    """pygeofilter's transformer, reading '' inside a string as one quote (as CQL2 says)."""

    def SINGLE_QUOTED(self, token):  # named after the terminal, as lark requires
        return token[1:-1].replace("''", "'")

    # The two below are pygeofilter's, without the print() calls it left in them.

    def wkt__geometry_with_srid(self, srid, geometry):
        return {**geometry, "crs": {"type": "name",
                                    "properties": {"name": f"urn:ogc:def:crs:EPSG::{srid}"}}}

    def wkt__multipoint_2(self, *coordinates):
        return {"type": "MultiPoint", "coordinates": coordinates}


def _corrected_grammar() -> str:
    path = os.path.join(os.path.dirname(cql2_text.__file__), "grammar.lark")
    with open(path, encoding="utf-8") as file:
        grammar = file.read()
    grammar, conditions = re.subn(r"\?condition:.*?(?=\?predicate:)", CONDITION_RULES, grammar,
                                  count=1, flags=re.S)
    grammar, strings = re.subn(r"^SINGLE_QUOTED:.*$", QUOTED_STRING_RULE, grammar, count=1,
                               flags=re.M)
    if (conditions, strings) != (1, 1):
        raise RuntimeError("pygeofilter's CQL2 grammar has changed; review mapping/ogc/filters.py")
    return grammar


@functools.cache
def _parser() -> lark.Lark:
    """The corrected CQL2 parser, built on first use (not at import, by every worker)."""
    return lark.Lark(
        _corrected_grammar(), parser="lalr", maybe_placeholders=False,
        transformer=_Transformer(),
        import_paths=[os.path.dirname(os.path.dirname(cql2_text.__file__))],
        source_path=cql2_text.__file__)


def to_clause(text: str, *, columns: dict[str, ColumnElement], types: dict[str, str],
              intersects: Callable[[shapely.Geometry], ColumnElement],
              geometry_name: str = "geometry") -> ColumnElement:
    """The SQL condition for a CQL2 text filter over the given queryable columns."""
    _check_queryables(columns, types)
    tree = _parse(text)
    _check_depth(tree)
    translator = _Translator(columns, types, intersects, geometry_name)
    try:
        return translator.condition(tree)
    except InvalidInput:
        raise
    except Exception:
        log.warning("A parsed filter could not be translated", exc_info=True)
        raise _invalid("The filter could not be used: part of it is not supported here. "
                       f"Filters use CQL2 text, e.g. {EXAMPLE}.") from None


def _invalid(message: str) -> InvalidInput:
    return InvalidInput(message, field="filter")


def _check_queryables(columns: dict, types: dict) -> None:
    # A mistake here is ours, not the client's: a ValueError, not a 400.
    for name in columns:
        if types.get(name) not in KINDS:
            raise ValueError(f"queryable {name!r} needs a type, one of {', '.join(KINDS)}")


# --- Reading the text ---------------------------------------------------------------------------

def _parse(text: str) -> ast.Node:
    if len(text) > MAX_FILTER_CHARS:
        raise _invalid(f"The filter is too long ({len(text):,} characters); the limit is "
                       f"{MAX_FILTER_CHARS:,}. Split the question into smaller filters.")
    if not text.strip():
        raise _unreadable("it is empty")
    if "\x00" in text:
        raise _unreadable("it contains a NUL character")
    try:
        return _parser().parse(text)
    except Exception as exc:  # lark's errors, and pygeofilter's from inside its transformer
        raise _unreadable(_reason(exc, text)) from None


def _unreadable(reason: str) -> InvalidInput:
    return _invalid(f"The filter could not be read: {reason}. "
                    f"Filters use CQL2 text, e.g. {EXAMPLE}.")


def _reason(exc: Exception, text: str) -> str:
    if isinstance(exc, lark.UnexpectedEOF) or (
            isinstance(exc, lark.UnexpectedToken) and exc.token.type == "$END"):
        return "it ends too soon, as if something is missing at the end"
    if isinstance(exc, lark.UnexpectedToken) and exc.token.type == "QUOTE":
        return f"the quote at character {exc.column} is never closed"
    if isinstance(exc, lark.UnexpectedToken):
        return f"{_short(str(exc.token))!r} at character {exc.column} was not expected there"
    if isinstance(exc, lark.UnexpectedCharacters):
        return f"{exc.char!r} at character {exc.column} was not expected there"
    bad_date = _first_bad_date(text)
    if bad_date is not None:
        return (f"DATE('{_short(bad_date)}') is not a real date; write dates as "
                "DATE('YYYY-MM-DD'), e.g. DATE('2026-09-01')")
    return "part of it is not valid CQL2"


def _first_bad_date(text: str) -> str | None:
    for written in DATE_LITERAL.findall(text):
        if _iso_date(written) is None:
            return written
    return None


def _iso_date(written: str) -> date | None:
    if not ISO_DATE.fullmatch(written):
        return None
    try:
        return date.fromisoformat(written)
    except ValueError:
        return None


def _short(written: str, limit: int = 60) -> str:
    return written if len(written) <= limit else written[:limit] + "…"


def _check_depth(tree: ast.Node) -> None:
    # A chain such as a AND b AND c is one level, however long; brackets that change the
    # operator, and NOT, add one. Walked with a list, not recursion, so depth cannot hurt us.
    pending = [(tree, 1)]
    while pending:
        node, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise _invalid(f"The filter is nested too deeply (more than {MAX_DEPTH} levels of "
                           "brackets or NOT); simplify it.")
        if isinstance(node, ast.Combination):
            pending.extend((item, depth + 1) for item in _chain(node))
        elif isinstance(node, ast.Not):
            pending.append((node.sub_node, depth + 1))


def _chain(node: ast.Combination) -> list[ast.Node]:
    """The operands of a run of the same operator (a AND b AND c -> [a, b, c]), in order."""
    items, pending = [], [node]
    while pending:
        current = pending.pop()
        if type(current) is type(node):
            pending.extend([current.rhs, current.lhs])
        else:
            items.append(current)
    return items


# --- Translating the tree -----------------------------------------------------------------------

class _Translator:
    """Turns pygeofilter AST nodes into SQLAlchemy clauses over whitelisted columns."""

    def __init__(self, columns: dict[str, ColumnElement], types: dict[str, str],
                 intersects: Callable[[shapely.Geometry], ColumnElement], geometry_name: str):
        self.columns = columns
        self.types = types
        self.intersects = intersects
        self.geometry_name = geometry_name

    def condition(self, node) -> ColumnElement:
        if isinstance(node, ast.And):
            return and_(*(self.condition(item) for item in _chain(node)))
        if isinstance(node, ast.Or):
            return or_(*(self.condition(item) for item in _chain(node)))
        if isinstance(node, ast.Not):
            return not_(self.condition(node.sub_node))
        if isinstance(node, ast.Comparison):
            return self.comparison(node)
        if isinstance(node, ast.Like):
            return self.like(node)
        if isinstance(node, ast.In):
            return self.in_(node)
        if isinstance(node, ast.Between):
            return self.between(node)
        if isinstance(node, ast.IsNull):
            return self.is_null(node)
        if isinstance(node, ast.GeometryIntersects):
            return self.spatial(node)
        raise _unsupported(node, self.geometry_name)

    # Comparisons

    def comparison(self, node: ast.Comparison) -> ColumnElement:
        lhs, rhs, op = node.lhs, node.rhs, node.op
        _refuse_expression(lhs)
        _refuse_expression(rhs)
        if isinstance(rhs, ast.Attribute) and not isinstance(lhs, ast.Attribute):
            lhs, rhs, op = rhs, lhs, MIRRORED[op]
        name, column = self.attribute(lhs)
        if isinstance(rhs, ast.Attribute):
            raise _invalid(f"Compare {name} with a value, not with another attribute, "
                           f"e.g. {_example(name, self.types[name])}.")
        value = self.value(name, rhs)
        if self.types[name] == "boolean" and op not in (ast.ComparisonOp.EQ,
                                                        ast.ComparisonOp.NE):
            raise _invalid(f"{name} is true or false, so {op.value} means nothing for it; "
                           f"use = or <>, e.g. {name} = TRUE.")
        return COMPARISONS[op](column, literal(value))

    def like(self, node: ast.Like) -> ColumnElement:
        name, column = self.attribute(node.lhs)
        if self.types[name] != "string":
            raise _invalid(f"LIKE only works on text, and {name} is "
                           f"{KIND_WORDS[self.types[name]]}; use =, <, > or BETWEEN instead, "
                           f"e.g. {_example(name, self.types[name])}.")
        if not isinstance(node.pattern, str):
            raise _invalid(f"LIKE needs a text pattern in single quotes, e.g. {name} LIKE 'Oak%' "
                           "(% matches any run of characters, _ any one character).")
        # CQL2's wildcards (% and _) and escape (\) are PostgreSQL's defaults for LIKE.
        pattern = literal(node.pattern)
        matched = column.ilike(pattern) if node.nocase else column.like(pattern)
        return not_(matched) if node.not_ else matched

    def in_(self, node: ast.In) -> ColumnElement:
        name, column = self.attribute(node.lhs)
        options = [literal(self.value(name, option)) for option in node.sub_nodes]
        return column.not_in(options) if node.not_ else column.in_(options)

    def between(self, node: ast.Between) -> ColumnElement:
        name, column = self.attribute(node.lhs)
        if self.types[name] == "boolean":
            raise _invalid(f"{name} is true or false, so BETWEEN means nothing for it; "
                           f"use =, e.g. {name} = TRUE.")
        low, high = self.value(name, node.low), self.value(name, node.high)
        clause = column.between(literal(low), literal(high))
        return not_(clause) if node.not_ else clause

    def is_null(self, node: ast.IsNull) -> ColumnElement:
        _, column = self.attribute(node.lhs)
        return column.is_not(None) if node.not_ else column.is_(None)

    # Attributes and values

    def attribute(self, node) -> tuple[str, ColumnElement]:
        """The whitelisted name and column a node names, or a 400 saying why it cannot be used."""
        if not isinstance(node, ast.Attribute):
            _refuse_expression(node)
            name = min(self.columns)
            raise _invalid("Each condition needs an attribute on one side, "
                           f"e.g. {_example(name, self.types[name])}.")
        if node.name == self.geometry_name and node.name not in self.columns:
            raise _invalid(f"{node.name} can only be used inside S_INTERSECTS, "
                           f"e.g. S_INTERSECTS({node.name}, {BBOX_EXAMPLE}).")
        if node.name not in self.columns:
            raise _invalid(f"Unknown attribute in the filter: {_short(node.name)}. "
                           f"You can filter on: {', '.join(sorted(self.columns))}.")
        return node.name, self.columns[node.name]

    def value(self, name: str, node):
        """A literal checked against the attribute's type (a date may also be 'YYYY-MM-DD')."""
        _refuse_expression(node)
        kind = self.types[name]
        if kind == "string" and isinstance(node, str):
            return node
        if kind in ("integer", "number") and _is_number(node):
            if isinstance(node, int) and not -LARGEST_INTEGER <= node <= LARGEST_INTEGER:
                raise _invalid(f"The number {_short(str(node))} is too large to compare "
                               f"{name} with.")
            return node
        if kind == "boolean" and isinstance(node, bool):
            return node
        if kind == "date":
            if isinstance(node, date) and not isinstance(node, datetime):
                return node
            written = _iso_date(node) if isinstance(node, str) else None
            if written is not None:
                return written
        raise _invalid(_mismatch(name, kind))

    # Geometry

    def spatial(self, node: ast.GeometryIntersects) -> ColumnElement:
        target, other = node.lhs, node.rhs
        if not isinstance(target, ast.Attribute) and isinstance(other, ast.Attribute):
            target, other = other, target  # intersection is symmetric
        if not isinstance(target, ast.Attribute) or target.name != self.geometry_name:
            got = _short(target.name) if isinstance(target, ast.Attribute) else "that"
            raise _invalid(f"S_INTERSECTS needs {self.geometry_name} as its first argument, "
                           f"e.g. S_INTERSECTS({self.geometry_name}, {BBOX_EXAMPLE}); "
                           f"{got} is not the features' geometry.")
        return self.intersects(_geometry(other, self.geometry_name))


def _geometry(node, geometry_name: str) -> shapely.Geometry:
    if isinstance(node, ast.Function) and node.name == "bbox":
        return _bbox(node.arguments)
    if isinstance(node, values.Envelope):
        return _bbox([node.x1, node.y1, node.x2, node.y2])
    if isinstance(node, values.Geometry):
        return _shape(node.geometry)
    _refuse_expression(node)
    raise _invalid(f"S_INTERSECTS needs a geometry as its second argument, e.g. "
                   f"S_INTERSECTS({geometry_name}, POLYGON((0 51, 1 51, 1 52, 0 52, 0 51))) "
                   f"or S_INTERSECTS({geometry_name}, {BBOX_EXAMPLE}).")


def _bbox(numbers: list) -> shapely.Geometry:
    if len(numbers) not in (4, 6) or not all(_is_number(n) for n in numbers):
        raise _invalid(f"BBOX needs four numbers, west, south, east, north, e.g. {BBOX_EXAMPLE}.")
    if len(numbers) == 6:  # a 3D box: the heights are dropped
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    west, south, east, north = numbers
    if west > east or south > north:
        raise _invalid(f"BBOX needs west before east and south before north, e.g. "
                       f"{BBOX_EXAMPLE}.")
    return shapely.box(west, south, east, north)


def _shape(geojson: dict) -> shapely.Geometry:
    if "crs" in geojson:
        raise _invalid("Leave out the SRID=...; prefix: the filter's coordinates are read in "
                       "filter-crs.")
    try:
        geometry = shape(geojson)
    except Exception:
        raise _invalid("The geometry in the filter could not be built: check that each ring "
                       "has at least four points and ends where it starts, e.g. "
                       "POLYGON((0 51, 1 51, 1 52, 0 52, 0 51)).") from None
    if not shapely.is_valid(geometry):
        raise _invalid(f"The geometry in the filter is not valid "
                       f"({shapely.is_valid_reason(geometry)}); check that rings close and do "
                       "not cross themselves.")
    return geometry


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# --- Messages -----------------------------------------------------------------------------------

KIND_WORDS = {"string": "text", "integer": "a number", "number": "a number", "date": "a date",
              "boolean": "true or false"}
VALUE_WORDS = {"string": "text in single quotes", "integer": "a number", "number": "a number",
               "date": "a date", "boolean": "TRUE or FALSE"}
EXAMPLE_VALUES = {"string": "'some text'", "integer": "150", "number": "0.5",
                  "date": "DATE('2026-09-01')", "boolean": "TRUE"}


def _example(name: str, kind: str) -> str:
    return f"{name} = {EXAMPLE_VALUES[kind]}"


def _mismatch(name: str, kind: str) -> str:
    return (f"{name} is {KIND_WORDS[kind]}; compare it with {VALUE_WORDS[kind]}, "
            f"e.g. {_example(name, kind)}.")


def _refuse_expression(node) -> None:
    """Refuse functions, arithmetic and geometries where a plain attribute or value belongs."""
    if isinstance(node, ast.Function):
        written = "CASEI" if node.name == "lower" else node.name.upper()
        raise _invalid(f"{written}() is not supported here; compare an attribute with a plain "
                       "value (LIKE with % and _ matches part of a text).")
    if isinstance(node, ast.Arithmetic):
        raise _invalid(f"Arithmetic ({node.op.value}) is not supported here; compare an "
                       "attribute with a plain value.")
    if isinstance(node, values.Geometry | values.Envelope):
        raise _invalid("A geometry can only be used as the second argument of S_INTERSECTS.")


def _unsupported(node, geometry_name: str) -> InvalidInput:
    if isinstance(node, ast.TemporalPredicate):
        # pygeofilter names T_CONTAINS, T_EQUALS and T_OVERLAPS TCONTAINS, TEQUALS, TOVERLAPS
        written = "T_" + node.op.value.removeprefix("T").replace(" ", "")
        return _invalid(f"{written} is not supported here; compare dates with =, <, <=, >, >= "
                        "or BETWEEN and values such as DATE('2026-09-01').")
    if isinstance(node, ast.SpatialComparisonPredicate | ast.Relate):
        written = f"S_{node.op.value}" if isinstance(node, ast.SpatialComparisonPredicate) \
            else "RELATE"
        return _invalid(f"{written} is not supported here; use S_INTERSECTS, "
                        f"e.g. S_INTERSECTS({geometry_name}, {BBOX_EXAMPLE}).")
    if isinstance(node, ast.BBox):
        return _invalid(f"BBOX({geometry_name}, ...) on its own is not supported here; use "
                        f"S_INTERSECTS({geometry_name}, {BBOX_EXAMPLE}).")
    if isinstance(node, ast.Include):
        return _invalid("INCLUDE and EXCLUDE are not supported here; leave the filter out to get "
                        "every feature.")
    return _invalid("That part of the filter is not supported here; use =, <>, <, <=, >, >=, "
                    "LIKE, IN, BETWEEN, IS NULL, AND, OR, NOT and S_INTERSECTS, "
                    f"e.g. {EXAMPLE}.")
