"""What planners did about a hot spot, kept with the place it was about (geometry in 4326).

Hot-spot areas are recomputed from the data on every request, so an action keeps its own copy
of the area's outline and a point inside it, and the question the area came from.
"""

from datetime import date, datetime

from geoalchemy2 import Geometry
from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    SmallInteger,
    String,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base

STATUSES = ("planned", "in_progress", "done")
ACTION_MAX = 300


class HotspotAction(Base):
    """One action against a hot spot: what, from when to when, where, and how it is going."""

    __tablename__ = "hotspot_action"
    __table_args__ = (
        CheckConstraint("status in ('planned', 'in_progress', 'done')", name="status"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="dates"),
        CheckConstraint(f"char_length(action) BETWEEN 1 AND {ACTION_MAX}", name="action"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    borough_id: Mapped[int] = mapped_column(ForeignKey("borough.id", ondelete="RESTRICT"),
                                            index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id",
                                                              ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    action: Mapped[str] = mapped_column(String(ACTION_MAX))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), server_default="planned")
    area = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=False),
                         nullable=False)
    location = mapped_column(Geometry("POINT", srid=4326, spatial_index=True), nullable=False)
    # The hot-spot question and the area's context when the action was logged.
    ward: Mapped[str | None] = mapped_column(String(120))
    peak_time: Mapped[str | None] = mapped_column(String(24))
    term: Mapped[str | None] = mapped_column(String(12))
    years: Mapped[str | None] = mapped_column(String(16))
    cell_m: Mapped[int] = mapped_column(SmallInteger)
    significance: Mapped[str] = mapped_column(String(12))
    rank: Mapped[int] = mapped_column(SmallInteger)
