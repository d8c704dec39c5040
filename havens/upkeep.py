"""Keeping havens current: the due list and lapsing havens nobody has visited in time."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from core.audit import services as audit
from havens import queries, rules
from havens.models import Haven
from havens.services import setting, today


@dataclass
class DueHaven:
    """A haven on the due list."""

    haven: Haven
    ward: str | None
    distance_m: float | None
    days_overdue: int

    @property
    def overdue(self) -> bool:
        """Whether its visit date has passed."""
        return self.days_overdue > 0


def due_list(*, db_session: Session, borough_id: int | None,
             near: tuple[float, float] | None = None, on: date | None = None) -> list[DueHaven]:
    """Havens due for a visit soon or overdue: nearest first from `near`, else by ward."""
    on = on or today()
    due_by = on + timedelta(days=setting("HAVEN_DUE_SOON_DAYS"))
    rows = queries.due(db_session, due_by=due_by, borough_id=borough_id, near=near)
    return [DueHaven(haven=row.Haven, ward=row.ward,
                     distance_m=getattr(row, "distance_m", None),
                     days_overdue=(on - row.Haven.next_visit_due).days) for row in rows]


def lapse_overdue(*, db_session: Session, on: date | None = None) -> list:
    """Lapse active havens overdue by more than the grace period; returns those lapsed."""
    on = on or today()
    grace = setting("HAVEN_LAPSE_GRACE_MONTHS")
    cutoff = rules.add_months(on, -grace)
    lapsed = queries.lapse_overdue(
        db_session, cutoff=cutoff, today=on,
        reason=f"No visit for more than {grace} months after the re-check was due")
    for row in lapsed:
        audit.record(db_session=db_session, action="haven.lapse", object_type="haven",
                     object_id=row.id, borough_id=row.borough_id,
                     detail={"changed": {"status": ["active", "lapsed"]}})
    db_session.commit()
    return lapsed
