"""What the OGC layer may publish: heat cells and hot-spot areas that passed the publication
rule, copied out of the aggregates by the app so the OGC database role never reads raw data.

Geometries are in WORK_SRID (the hexagons' own CRS), so EPSG:27700 answers are exact."""

from datetime import date, datetime

from geoalchemy2 import Geometry
from sqlalchemy import Date, DateTime, Float, ForeignKey, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base


class PublishedHeatCell(Base):
    """One published cell of one term (or all terms) at one size; null counts were too few."""

    __tablename__ = "published_heat_cell"

    borough_id: Mapped[int] = mapped_column(ForeignKey("borough.id", ondelete="CASCADE"),
                                            primary_key=True)
    term: Mapped[str] = mapped_column(String(16), primary_key=True)
    cell_m: Mapped[int] = mapped_column(Integer, primary_key=True)
    i: Mapped[int] = mapped_column(Integer, primary_key=True)
    j: Mapped[int] = mapped_column(Integer, primary_key=True)
    term_start: Mapped[date] = mapped_column(Date)
    term_end: Mapped[date] = mapped_column(Date)
    unsafe_pupils: Mapped[int | None] = mapped_column(Integer)
    safe_pupils: Mapped[int | None] = mapped_column(Integer)
    coverage: Mapped[int] = mapped_column(Integer)
    unsafe_rate: Mapped[float | None] = mapped_column(Float)
    safe_rate: Mapped[float | None] = mapped_column(Float)
    net: Mapped[float | None] = mapped_column(Float)
    geometry = mapped_column(Geometry("POLYGON", srid=-1, spatial_index=True), nullable=False)


class PublishedHotSpot(Base):
    """One ranked hot-spot area of one term (or all terms) at one cell size."""

    __tablename__ = "published_hotspot"

    borough_id: Mapped[int] = mapped_column(ForeignKey("borough.id", ondelete="CASCADE"),
                                            primary_key=True)
    term: Mapped[str] = mapped_column(String(16), primary_key=True)
    cell_m: Mapped[int] = mapped_column(Integer, primary_key=True)
    rank: Mapped[int] = mapped_column(Integer, primary_key=True)
    term_start: Mapped[date] = mapped_column(Date)
    term_end: Mapped[date] = mapped_column(Date)
    confidence: Mapped[int] = mapped_column(Integer)
    peak_z: Mapped[float] = mapped_column(Float)
    pupils: Mapped[int | None] = mapped_column(Integer)
    schools: Mapped[int | None] = mapped_column(Integer)
    top_reasons: Mapped[str] = mapped_column(Text)
    peak_time: Mapped[str] = mapped_column(String(80))
    visits: Mapped[str] = mapped_column(Text)
    cells: Mapped[int] = mapped_column(Integer)
    area_ha: Mapped[float] = mapped_column(Float)
    ward: Mapped[str] = mapped_column(String(200))
    nearest_haven: Mapped[str] = mapped_column(String(200))
    haven_distance_m: Mapped[int | None] = mapped_column(Integer)
    haven_open_at_peak: Mapped[str] = mapped_column(String(20))
    geometry = mapped_column(Geometry("MULTIPOLYGON", srid=-1, spatial_index=True),
                             nullable=False)


class Publication(Base):
    """When a borough's published layer was last rebuilt, and from which aggregates version."""

    __tablename__ = "ogc_publication"

    borough_id: Mapped[int] = mapped_column(ForeignKey("borough.id", ondelete="CASCADE"),
                                            primary_key=True)
    collection: Mapped[str] = mapped_column(String(16), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    refreshed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                   server_default=func.now())
