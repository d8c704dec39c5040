"""Demo havens: businesses near the demo schools, imported as prospects, many signed up since."""

import json
import random
import tempfile
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.accounts import services as accounts
from core.geo import transformer
from core.places.models import School
from havens import hours, prospects, services, upkeep
from havens.models import Haven

SHOP_WORDS = ["Corner", "High Street", "Station", "Park", "Village", "Riverside", "Market",
              "Hill", "Green", "Parade"]
KINDS = [("Retailers - other", ["Newsagents", "Convenience Store", "Food & Wine", "Pharmacy",
                                "Bookshop", "Hardware"]),
         ("Takeaway/sandwich shop", ["Fish Bar", "Pizza", "Sandwich Bar", "Chicken"]),
         ("Restaurant/Cafe/Canteen", ["Café", "Coffee House", "Tea Rooms"]),
         ("Retailers - supermarkets/hypermarkets", ["Supermarket", "Local"])]
HOURS = ["Mo-Sa 07:00-22:00; Su 08:00-20:00", "Mo-Fr 09:00-17:30; Sa 09:00-16:00",
         "Mo-Su 06:00-23:00", "Mo-Fr 08:00-18:00; Sa 09:00-13:00; PH off",
         "Mo-Th 11:00-23:00; Fr-Sa 11:00-26:00; Su 12:00-22:00", "Mo-Su 07:30-21:00"]


def _near(rng: random.Random, lon: float, lat: float, radius_m: float) -> list[float]:
    easting, northing = transformer(4326, 27700).transform(lon, lat)
    moved = transformer(27700, 4326).transform(easting + rng.uniform(-radius_m, radius_m),
                                               northing + rng.uniform(-radius_m, radius_m))
    return [round(moved[0], 6), round(moved[1], 6)]


def _businesses(rng: random.Random, schools: list[tuple[float, float]]) -> list[dict]:
    features = []
    for index in range(90):
        kind, words = rng.choice(KINDS)
        features.append({"type": "Feature", "geometry": {
            "type": "Point", "coordinates": _near(rng, *rng.choice(schools), radius_m=600)},
            "properties": {"FHRSID": 9_900_000 + index, "BusinessType": kind,
                           "BusinessName": f"{rng.choice(SHOP_WORDS)} {rng.choice(words)}",
                           "Address": f"{rng.randint(1, 200)} {rng.choice(SHOP_WORDS)} Road, "
                                      "Havenbridge", "PostCode": None}})
    return features


def _import_prospects(db_session: Session, rng: random.Random) -> None:
    schools = [(s[0], s[1]) for s in db_session.execute(select(
        School.location.ST_X(), School.location.ST_Y()))]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fhrs.geojson"
        path.write_text(json.dumps({"type": "FeatureCollection",
                                    "features": _businesses(rng, schools)}))
        prospects.import_businesses(db_session=db_session, path=path)


def seed_havens(*, db_session: Session, seed: int = 1) -> None:
    """Turn about two thirds of the demo prospects into havens with a visit history."""
    rng = random.Random(seed + 100)
    _import_prospects(db_session, rng)
    worker = accounts.get_by_email(db_session=db_session, email="worker@demo.safehavens.test")
    if worker is None:
        return
    today = services.today()
    havens = list(db_session.scalars(select(Haven).where(Haven.status == "prospect")
                                     .order_by(Haven.id)))
    for index, haven in enumerate(havens):
        if index % 3 == 2:
            continue
        _sign_up(db_session, rng, haven, worker, today, index)
    upkeep.lapse_overdue(db_session=db_session)


def _sign_up(db_session, rng, haven, worker, today, index) -> None:
    joined = today - timedelta(days=rng.randint(30, 700))
    services.update(db_session=db_session, haven_id=haven.id, actor=worker, data={
        "opening_hours": hours.parse_osm(rng.choice(HOURS)), "contact_name": "Duty manager",
        "phone": f"020 7946 0{rng.randint(100, 999)}",  # Ofcom's numbers for drama: not real
        "email": f"manager{index}@example.org", "sticker_displayed": rng.random() < 0.9,
        "staff_briefed_count": rng.randint(1, 6), "responsible_retailer_signed": True})
    services.log_visit(db_session=db_session, haven_id=haven.id, actor=worker,
                       data={"outcome": "signed_up", "visited_on": joined})
    if joined < today - timedelta(days=330) and rng.random() < 0.6:
        recheck = joined + timedelta(days=rng.randint(300, 380))
        if recheck <= today:
            services.log_visit(db_session=db_session, haven_id=haven.id, actor=worker,
                               data={"outcome": "re_verified", "visited_on": recheck})
    if index % 17 == 0:
        services.log_visit(db_session=db_session, haven_id=haven.id, actor=worker,
                           data={"outcome": "closed_down", "visited_on": today})
