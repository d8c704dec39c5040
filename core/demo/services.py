"""Seeding the demo borough (with its basemap) and one login per role, through the real
importers."""

import secrets
import tempfile
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.accounts import services as accounts
from core.basemap import services as basemap
from core.demo import generator, suburb
from core.places import services as places
from core.places.models import Borough, School

DEMO_DOMAIN = "demo.safehavens.test"
ROLES = ("admin", "worker", "teacher", "planner")


def database_is_empty(*, db_session: Session) -> bool:
    """Whether no borough has been loaded yet."""
    return db_session.scalar(select(func.count()).select_from(Borough)) == 0


def seed(*, db_session: Session, seed: int = 1, extra_seeders=()) -> dict[str, str]:
    """Load the demo borough, one user per role, then each domain's demo data (havens, ...);
    returns the new logins {email: password}."""
    with tempfile.TemporaryDirectory() as folder:
        files = generator.write_files(Path(folder), seed=seed)
        places.import_boroughs(db_session=db_session, path=files.boroughs)
        places.import_wards(db_session=db_session, path=files.wards)
        places.import_postcodes(db_session=db_session, path=files.postcodes)
        places.import_schools(db_session=db_session, path=files.schools)
        basemap.import_basemap(db_session=db_session, path=files.basemap,
                               name=suburb.SOURCE_NAME, attribution=suburb.ATTRIBUTION)
    logins = _demo_users(db_session)
    for seeder in extra_seeders:
        seeder(db_session=db_session, seed=seed)
    return logins


def _demo_users(db_session: Session) -> dict[str, str]:
    first_schools = db_session.scalars(select(School.urn).order_by(School.urn).limit(2)).all()
    logins = {}
    for role in ROLES:
        email = f"{role}@{DEMO_DOMAIN}"
        if accounts.get_by_email(db_session=db_session, email=email):
            continue
        password = "-".join(secrets.token_urlsafe(4) for _ in range(4))
        accounts.create_user(
            db_session=db_session, email=email, password=password, role=role,
            school_urns=first_schools if role == "teacher" else (),
            borough_code=generator.BOROUGH_CODE if role == "planner" else None)
        logins[email] = password
    return logins
