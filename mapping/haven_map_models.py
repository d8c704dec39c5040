"""Each school's printed haven map: its own walking radius and what was last exported."""

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base

RADIUS_MIN_M = 300
RADIUS_MAX_M = 3000


class SchoolHavenMap(Base):
    """A school's haven-map settings and the fingerprint of the last exported map."""

    __tablename__ = "school_haven_map"
    __table_args__ = (
        CheckConstraint(f"radius_m IS NULL OR radius_m BETWEEN {RADIUS_MIN_M} AND {RADIUS_MAX_M}",
                        name="radius_m"),
    )

    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"),
                                           primary_key=True)
    borough_id: Mapped[int] = mapped_column(Integer, index=True)
    radius_m: Mapped[int | None] = mapped_column(SmallInteger)
    exported_fingerprint: Mapped[str | None] = mapped_column(String(64))
    exported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
