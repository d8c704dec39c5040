"""Police-recorded crime from police.uk street-level files (geometry in EPSG:4326)."""

from datetime import date

from geoalchemy2 import Geometry
from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base


class Crime(Base):
    """One police.uk street-level row: a crime or an anti-social behaviour report, placed at
    police.uk's anonymous map point (never the exact address)."""

    __tablename__ = "crime"
    # The comparison reads one borough, a few months and optionally one type.
    __table_args__ = (Index("ix_crime_read", "borough_id", "month", "crime_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # "<YYYY-MM>/<Crime ID>", or for rows without a Crime ID (anti-social behaviour)
    # "<YYYY-MM>/anon:<digest of the row>/<occurrence in its file>": see readers.import_key.
    import_key: Mapped[str] = mapped_column(String(120), unique=True)
    crime_id: Mapped[str | None] = mapped_column(String(100))
    month: Mapped[date] = mapped_column(Date)  # the first day of the month
    crime_type: Mapped[str] = mapped_column(String(40))
    reported_by: Mapped[str | None] = mapped_column(String(80))
    falls_within: Mapped[str | None] = mapped_column(String(80))
    location: Mapped[str | None] = mapped_column(String(200))  # "On or near ...": file text
    lsoa_code: Mapped[str | None] = mapped_column(String(12))
    lsoa_name: Mapped[str | None] = mapped_column(String(80))
    last_outcome: Mapped[str | None] = mapped_column(String(200))
    context: Mapped[str | None] = mapped_column(String(500))
    borough_id: Mapped[int] = mapped_column(ForeignKey("borough.id", ondelete="CASCADE"))
    geom = mapped_column(Geometry("POINT", srid=4326, spatial_index=True), nullable=False)
