"""Heatmaps kept after the retention purge: what was published for a term, not the maps.

When a term's pupil maps pass the retention period, `flask mapping purge-expired` stores the
answers planners could already see for that term (suppressed and rounded by the publication
rule) and then deletes the maps. Nothing here is per pupil: no map, zone, school or session id,
only published cells and hot-spot analyses of the whole borough.
"""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, ForeignKeyConstraint, SmallInteger, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from core.db import Base


class KeptTerm(Base):
    """A borough's term whose maps were deleted, with the rule its kept answers were made by."""

    __tablename__ = "kept_term"

    borough_id: Mapped[int] = mapped_column(ForeignKey("borough.id", ondelete="CASCADE"),
                                            primary_key=True)
    term: Mapped[str] = mapped_column(String(12), primary_key=True)
    kept_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    rule: Mapped[dict] = mapped_column(JSONB)


class _OfKeptTerm:
    """A kept answer's term and cell size; it goes when its kept term does."""

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        return (ForeignKeyConstraint(["borough_id", "term"],
                                     ["kept_term.borough_id", "kept_term.term"],
                                     ondelete="CASCADE"),)

    # first in the table and the primary key, as in the migration
    borough_id: Mapped[int] = mapped_column(primary_key=True, sort_order=-3)
    term: Mapped[str] = mapped_column(String(12), primary_key=True, sort_order=-2)
    resolution: Mapped[int] = mapped_column(SmallInteger, primary_key=True, sort_order=-1)


class KeptHeatAnswer(_OfKeptTerm, Base):
    """The published cells of one borough-wide heatmap question about a kept term ('' = any).

    Unsafe and safe answers are kept as counted one pupil per map (net cells are made from
    them); answers weighting every school equally are kept for each kind, net included."""

    __tablename__ = "kept_heat_answer"

    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    weighting: Mapped[str] = mapped_column(String(8), primary_key=True)
    reason: Mapped[str] = mapped_column(String(24), primary_key=True)
    time: Mapped[str] = mapped_column(String(24), primary_key=True)
    years: Mapped[str] = mapped_column(String(16), primary_key=True)
    cells: Mapped[list] = mapped_column(JSONB)


class KeptHotSpots(_OfKeptTerm, Base):
    """One hot-spot analysis of a kept term, as planners saw it (cells and ranked areas)."""

    __tablename__ = "kept_hot_spots"

    years: Mapped[str] = mapped_column(String(16), primary_key=True)
    cautious: Mapped[bool] = mapped_column(primary_key=True)
    # {"cells": [...], "areas": [...]}, or {"too_little": message} when there were too few.
    analysis: Mapped[dict] = mapped_column(JSONB)
