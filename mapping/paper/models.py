"""Photos of paper worksheets on their way to a class map.

A sheet is a pupil's map on paper, so it follows the pupils' data rules: no name or device, the
hour it arrived and not the second, its photo deleted once read unless the teacher keeps it for
checking, and gone with its session or its pupil map.
"""

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, LargeBinary, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base

STATUSES = ("waiting", "ready", "retake", "added", "replaced")


class PaperSheet(Base):
    """One uploaded photo of a worksheet: waiting to be read, read (zones to review), to be
    taken again (with the reason), or added to the class map as a pupil's map."""

    __tablename__ = "paper_sheet"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("mapping_session.id", ondelete="CASCADE"),
                                            index=True)
    status: Mapped[str] = mapped_column(String(12), server_default="waiting")
    sheet: Mapped[int | None] = mapped_column(Integer)  # the number its QR code gave
    problem: Mapped[str | None] = mapped_column(Text)  # why it must be photographed again
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("date_trunc('hour', now())"))
    # pictures load only when used: listing and counting sheets never reads them
    photo: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)  # no metadata
    keep_photo: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    rectified: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)  # squared up
    zones: Mapped[list | None] = mapped_column(JSONB)  # [{"kind", "geometry" (lon/lat)}]
    pupil_map_id: Mapped[int | None] = mapped_column(
        ForeignKey("pupil_map.id", ondelete="CASCADE"), index=True)
