"""Safe Havens and the visits that keep them current (geometry in EPSG:4326)."""

from datetime import date, datetime

from geoalchemy2 import Geometry
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import User
from core.db import Base

BUSINESS_TYPES = ("shop", "takeaway", "cafe", "pharmacy", "library", "leisure", "other")
STATUSES = ("prospect", "active", "lapsed", "withdrawn")
OUTCOMES = ("signed_up", "re_verified", "sticker_replaced", "staff_briefed", "declined",
            "closed_down", "no_answer")
PRIVATE_FIELDS = ("contact_name", "phone", "email")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} in ({', '.join(repr(v) for v in values)})"


class Haven(Base):
    """A business that takes in a scared child; contact fields are private to workers."""

    __tablename__ = "haven"
    __table_args__ = (
        CheckConstraint(_one_of("business_type", BUSINESS_TYPES), name="business_type"),
        CheckConstraint(_one_of("status", STATUSES), name="status"),
        UniqueConstraint("source", "source_id", name="uq_haven_source"),
        # Nearest and within-distance searches run in metres in WORK_SRID (27700): a planar
        # KNN index answers ~30x faster than a geography one. Another WORK_SRID needs these
        # indexes rebuilt for it (results stay right without them, only slower).
        Index("ix_haven_location_work", text("ST_Transform(location, 27700)"),
              postgresql_using="gist"),
        Index("ix_haven_active_location_work", text("ST_Transform(location, 27700)"),
              postgresql_using="gist", postgresql_where=text("status = 'active'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    borough_id: Mapped[int] = mapped_column(ForeignKey("borough.id", ondelete="RESTRICT"),
                                            index=True)
    name: Mapped[str] = mapped_column(String(200))
    business_type: Mapped[str] = mapped_column(String(16))
    address: Mapped[str | None] = mapped_column(String(300))
    postcode: Mapped[str | None] = mapped_column(String(8))
    location = mapped_column(Geometry("POINT", srid=4326, spatial_index=True), nullable=False)
    opening_hours: Mapped[dict] = mapped_column(JSONB, default=dict)
    contact_name: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    sticker_displayed: Mapped[bool] = mapped_column(Boolean, default=False)
    staff_briefed_count: Mapped[int | None] = mapped_column(Integer)
    staff_briefed_on: Mapped[date | None] = mapped_column(Date)
    sells_knives: Mapped[bool] = mapped_column(Boolean, default=False)
    responsible_retailer_signed: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(12), default="prospect", index=True)
    status_reason: Mapped[str | None] = mapped_column(String(200))
    status_changed_on: Mapped[date | None] = mapped_column(Date)
    joined_on: Mapped[date | None] = mapped_column(Date)
    last_verified_on: Mapped[date | None] = mapped_column(Date)
    next_visit_due: Mapped[date | None] = mapped_column(Date, index=True)
    notes: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(10))
    source_id: Mapped[str | None] = mapped_column(String(40))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id",
                                                                 ondelete="SET NULL"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id",
                                                                 ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now(), onupdate=func.now())

    visits: Mapped[list["HavenVisit"]] = relationship(
        back_populates="haven", cascade="all, delete-orphan", passive_deletes=True,
        order_by="(HavenVisit.visited_on.desc(), HavenVisit.id.desc())")


class HavenVisit(Base):
    """A worker's visit to a haven or prospect, and what came of it."""

    __tablename__ = "haven_visit"
    __table_args__ = (CheckConstraint(_one_of("outcome", OUTCOMES), name="outcome"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    haven_id: Mapped[int] = mapped_column(ForeignKey("haven.id", ondelete="CASCADE"), index=True)
    borough_id: Mapped[int] = mapped_column(Integer, index=True)
    visited_on: Mapped[date] = mapped_column(Date)
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    outcome: Mapped[str] = mapped_column(String(20))
    staff_briefed_count: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())

    haven: Mapped[Haven] = relationship(back_populates="visits")
    worker: Mapped[User | None] = relationship()
