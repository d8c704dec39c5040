"""Places: boroughs, wards, schools and postcodes (geometry in EPSG:4326)."""

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import DateTime, ForeignKey, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base


class Borough(Base):
    """A local authority: the unit that scopes planners and every borough-level table."""

    __tablename__ = "borough"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    boundary = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=True),
                             nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now(), onupdate=func.now())


class Ward(Base):
    """An electoral ward inside a borough."""

    __tablename__ = "ward"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    borough_id: Mapped[int] = mapped_column(ForeignKey("borough.id", ondelete="CASCADE"),
                                            index=True)
    boundary = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=True),
                             nullable=False)


class School(Base):
    """A school from the DfE register (URN is the national identifier)."""

    __tablename__ = "school"

    id: Mapped[int] = mapped_column(primary_key=True)
    urn: Mapped[int] = mapped_column(Integer, unique=True)
    name: Mapped[str] = mapped_column(String(200))
    phase: Mapped[str | None] = mapped_column(String(80))
    type: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[str | None] = mapped_column(String(80))
    address: Mapped[str | None] = mapped_column(String(300))
    postcode: Mapped[str | None] = mapped_column(String(8))
    borough_id: Mapped[int] = mapped_column(ForeignKey("borough.id", ondelete="CASCADE"),
                                            index=True)
    location = mapped_column(Geometry("POINT", srid=4326, spatial_index=True), nullable=False)


class Postcode(Base):
    """A postcode centroid for offline geocoding (normalised, e.g. 'SE13 6PH')."""

    __tablename__ = "postcode"

    postcode: Mapped[str] = mapped_column(String(8), primary_key=True)
    location = mapped_column(Geometry("POINT", srid=4326, spatial_index=True), nullable=False)
    borough_id: Mapped[int | None] = mapped_column(
        ForeignKey("borough.id", ondelete="SET NULL"), index=True)
