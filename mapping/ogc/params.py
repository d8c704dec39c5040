"""Reading OGC API query parameters: unknown ones refused, every value checked (pure)."""

from dataclasses import dataclass
from datetime import UTC, date, datetime

from core.errors import InvalidInput
from mapping.ogc import crs as crs_
from mapping.ogc import filters

DEFAULT_LIMIT = 10
MAX_LIMIT = 10_000
MAX_OFFSET = 10_000_000
FORMATS = ("json", "html")
ITEMS = ("f", "bbox", "bbox-crs", "crs", "limit", "offset", "datetime", "filter", "filter-lang",
         "filter-crs")
ITEM = ("f", "crs")
OTHER = ("f",)
TOKEN_NAMES = {"token", "access_token", "api_key", "apikey", "key", "password", "auth"}


@dataclass(frozen=True)
class Bbox:
    """A bounding box as west, south, east, north in the CRS it was given in."""

    west: float
    south: float
    east: float
    north: float
    crs: crs_.Crs


@dataclass(frozen=True)
class ItemsQuery:
    """A checked request for a page of features."""

    crs: crs_.Crs
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    bbox: Bbox | None = None
    period: tuple[date | None, date | None] | None = None
    filter: str | None = None
    filter_crs: crs_.Crs = crs_.CRS84


def refuse_tokens(args) -> None:
    """Refuse a parameter that looks like a credential, whatever the resource."""
    for name in args:
        if name.lower() in TOKEN_NAMES:
            raise InvalidInput("Never put a token in the address: send it in the Authorization "
                               "header (Bearer, or Basic with the token as the password).",
                               field=name)


def check_known(args, allowed: tuple[str, ...]) -> None:
    """Refuse any parameter this resource does not define (a token above all)."""
    refuse_tokens(args)
    for name in args:
        if name not in allowed:
            raise InvalidInput(f"Unknown parameter: {name}. This resource takes: "
                               f"{', '.join(allowed)}.", field=name)
        if len(args.getlist(name)) > 1:
            raise InvalidInput(f"{name} is given more than once.", field=name)


def wanted_format(args) -> str | None:
    """f=json or f=html, or None to decide from the Accept header."""
    value = args.get("f")
    if value is None:
        return None
    if value not in FORMATS:
        raise InvalidInput("f must be json or html.", field="f")
    return value


def _integer(args, name: str, default: int, low: int, high: int | None = None) -> int:
    raw = args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(f"{name} must be a whole number, not {raw[:40]!r}.",
                           field=name) from None
    if value < low:
        raise InvalidInput(f"{name} must be at least {low}.", field=name)
    return min(value, high) if high is not None else value


def bbox(args, choices: list[crs_.Crs]) -> Bbox | None:
    """The bbox parameter (4 or 6 numbers, in bbox-crs axis order), as west, south, east,
    north."""
    raw, given_crs = args.get("bbox"), args.get("bbox-crs")
    if raw is None:
        if given_crs is not None:
            raise InvalidInput("bbox-crs only goes with bbox.", field="bbox-crs")
        return None
    box_crs = crs_.parse(given_crs, choices, "bbox-crs")
    try:
        numbers = [float(part) for part in raw.split(",")]
    except ValueError:
        raise InvalidInput("bbox must be 4 or 6 numbers separated by commas.",
                           field="bbox") from None
    if len(numbers) not in (4, 6) or any(n != n or n in (float("inf"), float("-inf"))
                                         for n in numbers):
        raise InvalidInput("bbox must be 4 or 6 numbers separated by commas.", field="bbox")
    if len(numbers) == 6:  # minx, miny, minz, maxx, maxy, maxz: heights are not used
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if box_crs.lat_first:
        numbers = [numbers[1], numbers[0], numbers[3], numbers[2]]
    west, south, east, north = numbers
    geographic = box_crs.srid == 4326
    if south > north:
        raise InvalidInput("bbox: the lower corner comes first (its north is below its south).",
                           field="bbox")
    if geographic and not (-180 <= west <= 180 and -180 <= east <= 180
                           and -90 <= south <= 90 and -90 <= north <= 90):
        raise InvalidInput("bbox is outside the world (longitude -180 to 180, latitude -90 "
                           "to 90).", field="bbox")
    if west > east and not geographic:
        raise InvalidInput("bbox: the lower corner comes first (its east is left of its west).",
                           field="bbox")
    return Bbox(west, south, east, north, box_crs)


def _moment(text: str) -> date | None:
    if text in ("", ".."):
        return None
    try:
        if filters.ISO_DATE.fullmatch(text):
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput("datetime must be an RFC 3339 date or date-time, or an interval "
                           "such as 2026-09-01/2026-12-31 or 2026-09-01/..", field="datetime") \
            from None
    if moment.tzinfo is None or "T" not in text.upper():
        raise InvalidInput("datetime needs a time zone, e.g. 2026-10-01T09:00:00Z.",
                           field="datetime")
    return moment.astimezone(UTC).date()


def period(args) -> tuple[date | None, date | None] | None:
    """The datetime parameter as an inclusive (first, last) day; None ends are open."""
    raw = args.get("datetime")
    if raw is None:
        return None
    parts = raw.split("/")
    if len(parts) > 2 or (len(parts) == 1 and parts[0] in ("", "..")):
        raise InvalidInput("datetime must be one moment or an interval start/end.",
                           field="datetime")
    if len(parts) == 1:
        day = _moment(parts[0])
        return day, day
    first, last = _moment(parts[0]), _moment(parts[1])
    if first and last and first > last:
        raise InvalidInput("datetime: the interval ends before it starts.", field="datetime")
    return first, last


def items_query(args, choices: list[crs_.Crs]) -> ItemsQuery:
    """Check a request for features; every problem is a 400 that says what is wrong."""
    check_known(args, ITEMS)
    wanted_format(args)
    language = args.get("filter-lang", "cql2-text")
    if language != "cql2-text":
        raise InvalidInput("filter-lang must be cql2-text.", field="filter-lang")
    text = args.get("filter")
    if text is not None and not text.strip():
        raise InvalidInput("filter is empty.", field="filter")
    if text is None and args.get("filter-crs") is not None:
        raise InvalidInput("filter-crs only goes with filter.", field="filter-crs")
    return ItemsQuery(crs=crs_.parse(args.get("crs"), choices, "crs"),
                      limit=_integer(args, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
                      offset=_integer(args, "offset", 0, 0, MAX_OFFSET),
                      bbox=bbox(args, choices), period=period(args), filter=text,
                      filter_crs=crs_.parse(args.get("filter-crs"), choices, "filter-crs"))


def item_crs(args, choices: list[crs_.Crs]) -> crs_.Crs:
    """Check a request for one feature and return the CRS it wants."""
    check_known(args, ITEM)
    wanted_format(args)
    return crs_.parse(args.get("crs"), choices, "crs")
