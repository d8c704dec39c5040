"""What a school's printed haven map says, and its fingerprint (pure, picklable).

Services gather this from the database; the PDF renderer draws it in any size and orientation,
in another process if need be. The fingerprint covers everything a reader relies on (the school,
the walking radius, each haven's number, name, address, hours and place, the contact line) but
not the print date or the basemap's streets, so it changes exactly when a school needs a new print.
"""

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import cached_property

import shapely

from mapping.haven_map_drawing import MapFeature

DESIGN_VERSION = 1  # bump when the printed layout changes what a reader sees


@dataclass(frozen=True)
class HavenEntry:
    """One numbered haven in the legend."""

    number: int
    haven_id: int
    name: str
    address: str
    hours: str
    after_school: str  # "Every school day", "Mon, Tue" or "" (not open 15:00-18:00)
    distance_m: int
    x: float  # ground metres in the work CRS
    y: float


@dataclass(frozen=True)
class TileMosaic:
    """Basemap tiles stitched into one picture, with its corners in Web Mercator metres."""

    image: bytes
    bounds_3857: tuple[float, float, float, float]
    attribution: str


@dataclass(frozen=True)
class HavenMapContent:
    """Everything printed on one school's haven map."""

    urn: int
    school_name: str
    school_xy: tuple[float, float]
    radius_m: int
    havens: list[HavenEntry]
    beyond_radius: bool  # the havens listed are the nearest ones outside the radius
    finder_url: str
    scheme_name: str
    contact: str
    printed_on: date
    features: list[MapFeature] = field(default_factory=list)
    tiles: TileMosaic | None = None
    attributions: list[str] = field(default_factory=list)
    srid: int = 27700

    def __getstate__(self) -> dict:
        # The basemap (hundreds of features) travels to a print worker as one array of WKB,
        # written and read in one call each, rather than geometry by geometry.
        state = dict(self.__dict__)
        features = state.pop("features")
        state["features_wkb"] = ([f.layer for f in features], [f.name for f in features],
                                 shapely.to_wkb([f.geometry for f in features]))
        return state

    def __setstate__(self, state: dict) -> None:
        layers, names, wkbs = state.pop("features_wkb")
        state["features"] = [MapFeature(layer, geometry, name) for layer, geometry, name
                             in zip(layers, shapely.from_wkb(wkbs), names, strict=True)]
        self.__dict__.update(state)

    @property
    def frame_includes(self) -> list[tuple[float, float]]:
        """Places the map must show beyond the walking circle: the listed havens, when they
        are the nearest ones outside it."""
        return [(h.x, h.y) for h in self.havens] if self.beyond_radius else []

    @cached_property
    def fingerprint(self) -> str:
        """A short digest of what the map tells its readers (see the module docstring); worked
        out once (the footer, the PDF's metadata and the manifest all print it)."""
        return fingerprint(self)


def fingerprint(content: HavenMapContent) -> str:
    """16 hex characters of SHA-256 over the map's meaning."""
    meaning = {
        "design": DESIGN_VERSION, "urn": content.urn, "school": content.school_name,
        "radius_m": content.radius_m, "beyond": content.beyond_radius,
        "contact": content.contact, "scheme": content.scheme_name,
        "havens": [{**asdict(h), "x": round(h.x, -1), "y": round(h.y, -1)}
                   for h in content.havens],
    }
    digest = hashlib.sha256(json.dumps(meaning, sort_keys=True, ensure_ascii=False).encode())
    return digest.hexdigest()[:16]
