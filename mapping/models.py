"""Class mapping sessions, pupils' anonymous maps and their zones (geometry in EPSG:4326).

Nothing here identifies a pupil: no name, account, address, device or location of the pupil.
"""

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Computed,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base

MODERATION = ("none", "pending", "approved", "hidden")


class MappingSession(Base):
    """One class's mapping lesson: its school, teacher, join code, map area and times."""

    __tablename__ = "mapping_session"
    __table_args__ = (CheckConstraint("year_group between 1 and 13", name="year_group"),
                      CheckConstraint("closes_at > opens_at", name="times"))

    id: Mapped[int] = mapped_column(primary_key=True)
    borough_id: Mapped[int] = mapped_column(ForeignKey("borough.id", ondelete="RESTRICT"),
                                            index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="RESTRICT"),
                                           index=True)
    teacher_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id",
                                                              ondelete="SET NULL"), index=True)
    class_label: Mapped[str] = mapped_column(String(60))
    year_group: Mapped[int] = mapped_column(Integer)
    join_code: Mapped[str] = mapped_column(String(12), unique=True)
    term: Mapped[str] = mapped_column(String(12), index=True)
    area = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=True), nullable=False)
    opens_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expected_pupils: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())

    places: Mapped[list["NamedPlace"]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="NamedPlace.name")


class NamedPlace(Base):
    """A place the teacher drew and named, for pupils who mark places from a list."""

    __tablename__ = "named_place"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("mapping_session.id", ondelete="CASCADE"),
                                            index=True)
    borough_id: Mapped[int] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(80))
    area = mapped_column(Geometry("MULTIPOLYGON", srid=4326), nullable=False)

    session: Mapped[MappingSession] = relationship(back_populates="places")


class PupilMap(Base):
    """One pupil's anonymous map in a session (its zones are the content)."""

    __tablename__ = "pupil_map"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("mapping_session.id", ondelete="CASCADE"),
                                            index=True)
    borough_id: Mapped[int] = mapped_column(Integer, index=True)
    school_id: Mapped[int] = mapped_column(Integer, index=True)
    year_group: Mapped[int] = mapped_column(Integer)
    term: Mapped[str] = mapped_column(String(12))
    # Kept to the hour only: a precise time could be matched to the pupil who pressed send.
    submitted_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("date_trunc('hour', now())"), index=True)

    zones: Mapped[list["Zone"]] = relationship(back_populates="pupil_map",
                                               cascade="all, delete-orphan",
                                               order_by="Zone.number")


class Zone(Base):
    """A place a pupil marked safe or unsafe, with reasons, times and suggestions."""

    __tablename__ = "zone"
    __table_args__ = (
        CheckConstraint("kind in ('safe', 'unsafe')", name="kind"),
        CheckConstraint("shape in ('area', 'route', 'spot', 'place')", name="shape"),
        CheckConstraint("comment_state in ('none', 'pending', 'approved', 'hidden')",
                        name="comment_state"),
        CheckConstraint("other_state in ('none', 'pending', 'approved', 'hidden')",
                        name="other_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_map_id: Mapped[int] = mapped_column(ForeignKey("pupil_map.id", ondelete="CASCADE"),
                                              index=True)
    session_id: Mapped[int] = mapped_column(Integer, index=True)
    borough_id: Mapped[int] = mapped_column(Integer, index=True)
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8))
    shape: Mapped[str] = mapped_column(String(8))
    drawn = mapped_column(Geometry("GEOMETRY", srid=4326, spatial_index=False))
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=True), nullable=False)
    place_id: Mapped[int | None] = mapped_column(ForeignKey("named_place.id",
                                                            ondelete="SET NULL"))
    reasons: Mapped[list[str]] = mapped_column(ARRAY(String(24)))
    times: Mapped[list[str]] = mapped_column(ARRAY(String(24)))
    suggestions: Mapped[list[str]] = mapped_column(ARRAY(String(24)), default=list)
    suggestion_other: Mapped[str | None] = mapped_column(Text)
    other_state: Mapped[str] = mapped_column(String(10), default="none")
    comment: Mapped[str | None] = mapped_column(Text)
    comment_state: Mapped[str] = mapped_column(String(10), default="none")
    # The outline in WORK_SRID metres, kept by the database (migration 0016 writes the SRID the
    # app was installed with; queries._work_geom falls back to ST_Transform if it ever differs).
    work_geom = mapped_column(Geometry(spatial_index=False),
                              Computed("ST_Transform(geom, 27700)", persisted=True))

    pupil_map: Mapped[PupilMap] = relationship(back_populates="zones")


class SubmissionKey(Base):
    """An Idempotency-Key already used in a session, with the answer it got (keys are hashed)."""

    __tablename__ = "submission_key"
    __table_args__ = (UniqueConstraint("session_id", "key_hash", name="uq_submission_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("mapping_session.id", ondelete="CASCADE"))
    key_hash: Mapped[str] = mapped_column(String(64))
    body_hash: Mapped[str] = mapped_column(String(64))
    pupil_map_id: Mapped[int] = mapped_column(ForeignKey("pupil_map.id", ondelete="CASCADE"))
    answer: Mapped[dict] = mapped_column(JSONB)
    # To the hour, like the map's own time: an exact second could be matched to the pupil.
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("date_trunc('hour', now())"))


class ZoneCell(Base):
    """A hexagon (at one resolution) a zone overlaps: the heatmap is a GROUP BY over these."""

    __tablename__ = "zone_cell"
    # Covering: a heatmap read is an index-only scan of one borough, size and kind, in cell
    # order (no heap pages, no sort).
    # Map first: the cascade from pupil_map, and the cell_pupils triggers' look-ups of a map's
    # rows in one cell. Rows go with their map (zones are never deleted on their own).
    __table_args__ = (Index("ix_zone_cell_read", "borough_id", "resolution", "kind", "i", "j",
                            postgresql_include=["pupil_map_id", "school_id", "term",
                                                "year_group", "reasons", "times"]),
                      Index("ix_zone_cell_map", "pupil_map_id", "resolution", "i", "j", "kind"))

    resolution: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    i: Mapped[int] = mapped_column(Integer, primary_key=True)
    j: Mapped[int] = mapped_column(Integer, primary_key=True)
    zone_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pupil_map_id: Mapped[int] = mapped_column(ForeignKey("pupil_map.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(Integer)
    school_id: Mapped[int] = mapped_column(Integer)
    borough_id: Mapped[int] = mapped_column(Integer)
    term: Mapped[str] = mapped_column(String(12))
    year_group: Mapped[int] = mapped_column(SmallInteger)
    kind: Mapped[str] = mapped_column(String(8))
    reasons: Mapped[list[str]] = mapped_column(ARRAY(String(24)))
    times: Mapped[list[str]] = mapped_column(ARRAY(String(24)))


class FineCell(Base):
    """A pupil map's hexagons at a fine size (50 m, a school's own view): parallel arrays of
    zone id, i and j, one entry per (zone, hexagon) pair. Read by unnesting one school's maps."""

    __tablename__ = "fine_cell"
    __table_args__ = (CheckConstraint("cardinality(zone_ids) = cardinality(i) "
                                      "AND cardinality(i) = cardinality(j)",
                                      name="same_length"),)

    pupil_map_id: Mapped[int] = mapped_column(ForeignKey("pupil_map.id", ondelete="CASCADE"),
                                              primary_key=True)
    resolution: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    zone_ids: Mapped[list[int]] = mapped_column(ARRAY(Integer))
    i: Mapped[list[int]] = mapped_column(ARRAY(Integer))
    j: Mapped[list[int]] = mapped_column(ARRAY(Integer))


class CellPupils(Base):
    """Distinct pupil maps per cell, kind, term, year group and school, kept by triggers on
    zone_cell: heatmap questions without a reason or time are sums over these few rows."""

    __tablename__ = "cell_pupils"
    # Covering, in cell order: a read is an index-only scan with no sort.
    __table_args__ = (PrimaryKeyConstraint("borough_id", "resolution", "kind", "i", "j", "term",
                                           "year_group", "school_id", name="pk_cell_pupils",
                                           postgresql_include=["pupils"]),
                      CheckConstraint("pupils > 0", name="pupils"))

    borough_id: Mapped[int] = mapped_column(Integer)
    resolution: Mapped[int] = mapped_column(SmallInteger)
    kind: Mapped[str] = mapped_column(String(8))
    i: Mapped[int] = mapped_column(Integer)
    j: Mapped[int] = mapped_column(Integer)
    term: Mapped[str] = mapped_column(String(12))
    year_group: Mapped[int] = mapped_column(SmallInteger)
    school_id: Mapped[int] = mapped_column(Integer)
    pupils: Mapped[int] = mapped_column(Integer)


class SessionCell(Base):
    """A hexagon a session's map area covers: its pupils could have marked it (coverage)."""

    __tablename__ = "session_cell"
    __table_args__ = (Index("ix_session_cell_read", "borough_id", "resolution", "term"),)

    resolution: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    i: Mapped[int] = mapped_column(Integer, primary_key=True)
    j: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("mapping_session.id",
                                                       ondelete="CASCADE"),
                                            primary_key=True, index=True)
    school_id: Mapped[int] = mapped_column(Integer)
    borough_id: Mapped[int] = mapped_column(Integer)
    term: Mapped[str] = mapped_column(String(12))


class HeatmapState(Base):
    """One row: a version bumped by a trigger whenever zone_cell or session_cell changes."""

    __tablename__ = "heatmap_state"

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, server_default=text("1"))
    version: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())

# Hot-spot actions and printed haven maps keep their tables in their own modules.
from mapping import action_models, haven_map_models, kept_models  # noqa: E402, F401
from mapping.paper import models as paper_models  # noqa: E402, F401
