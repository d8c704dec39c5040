"""Vector basemap layers for printed maps: roads, paths, parks, water and railways (EPSG:4326).

Not pupil or borough data, so no borough_id: one basemap serves every borough it covers.
"""

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base

# The drawing order: areas before lines, minor before major.
LAYERS = ("water", "park", "waterway", "railway", "path", "road", "major_road")
AREA_LAYERS = frozenset({"water", "park"})
LINE_LAYERS = frozenset(LAYERS) - AREA_LAYERS
NAME_MAX = 200


class BasemapSource(Base):
    """One imported file (or a re-import of it): what to credit on maps that show its features."""

    __tablename__ = "basemap_source"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    attribution: Mapped[str] = mapped_column(String(300))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                  server_default=func.now())
    feature_count: Mapped[int] = mapped_column(Integer, server_default="0")


class BasemapFeature(Base):
    """A line (road, path, waterway, railway) or an area (park, water) of the basemap."""

    __tablename__ = "basemap_feature"
    __table_args__ = (
        CheckConstraint("layer IN (" + ", ".join(f"'{layer}'" for layer in LAYERS) + ")",
                        name="layer"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("basemap_source.id", ondelete="CASCADE"),
                                           index=True)
    layer: Mapped[str] = mapped_column(String(12))
    name: Mapped[str | None] = mapped_column(String(NAME_MAX))
    # sha1 of the feature's identity in its file: see readers.feature_key.
    feature_key: Mapped[str] = mapped_column(String(40), unique=True)
    geometry = mapped_column(Geometry("GEOMETRY", srid=4326, spatial_index=True), nullable=False)
