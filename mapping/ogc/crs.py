"""The coordinate reference systems the OGC layer speaks (OGC API - Features Part 2) (pure)."""

from dataclasses import dataclass

from core.errors import InvalidInput

CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_PREFIX = "http://www.opengis.net/def/crs/EPSG/0/"


@dataclass(frozen=True)
class Crs:
    """A CRS by its URI: the SRID PostGIS knows it by, and whether its axes are lat, lon."""

    uri: str
    srid: int
    lat_first: bool = False


CRS84 = Crs(CRS84_URI, 4326)


def epsg(code: int) -> Crs:
    """EPSG:code; EPSG:4326 has latitude first, as its definition says."""
    return Crs(f"{EPSG_PREFIX}{code}", code, lat_first=code == 4326)


def supported(work_srid: int) -> list[Crs]:
    """CRS84 first (the default), then EPSG:4326, the working CRS and British National Grid."""
    codes = dict.fromkeys(code for code in (work_srid, 27700) if code != 4326)
    return [CRS84, epsg(4326), *(epsg(code) for code in codes)]


def parse(value: str | None, choices: list[Crs], name: str) -> Crs:
    """The CRS a parameter names (a URI, or the [EPSG:code] short form); CRS84 when absent."""
    if value is None or value == "":
        return choices[0]
    wanted = value.strip()
    if wanted.startswith("[") and wanted.endswith("]"):
        authority, _, code = wanted[1:-1].partition(":")
        wanted = CRS84_URI if (authority, code) == ("OGC", "CRS84") else f"{EPSG_PREFIX}{code}"
    wanted = wanted.replace("https://", "http://", 1)
    for crs in choices:
        if crs.uri == wanted:
            return crs
    raise InvalidInput(f"{name} must be one of: {', '.join(c.uri for c in choices)}.",
                       field=name)


def header_value(crs: Crs) -> str:
    """The Content-Crs header for answers in this CRS."""
    return f"<{crs.uri}>"
