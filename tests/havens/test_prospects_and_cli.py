"""`flask import businesses`, the prospects near schools, and `flask havens lapse-overdue`."""

import json
from datetime import timedelta

from sqlalchemy import func, select

from havens import prospects, services
from havens.models import Haven
from tests.factories import add_school
from tests.havens.conftest import make_haven


def _fhrs_file(path, features):
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
         "properties": {"FHRSID": fid, "BusinessName": name, "BusinessType": kind,
                        "Address": "1 High Street", "PostCode": "se13 6ph"}}
        for fid, name, kind, lon, lat in features]}))
    return path


def test_import_businesses_is_idempotent_and_reports_outside_and_bad_rows(
        runner, db_session, borough_id, tmp_path):
    path = _fhrs_file(tmp_path / "fhrs.geojson", [
        (1, "Corner Shop", "Retailers - other", 0.001, 51.451),
        (2, "Far Café", "Restaurant/Cafe/Canteen", -1.5, 53.0),
        (3, "", "Retailers - other", 0.002, 51.452)])
    first = runner.invoke(args=["import", "businesses", str(path)])
    second = runner.invoke(args=["import", "businesses", str(path)])
    assert "Businesses: 1 created, 0 updated, 1 rejected." in first.output
    assert "rejected row 3" in first.output and "1 outside every imported borough" in first.output
    assert "Businesses: 0 created, 1 updated" in second.output
    haven = db_session.scalar(select(Haven))
    assert (haven.status, haven.source, haven.source_id, haven.postcode) == (
        "prospect", "fhrs", "1", "SE13 6PH")


def test_re_import_never_changes_a_signed_up_havens_status(runner, db_session, borough_id,
                                                           tmp_path, app, worker):
    path = _fhrs_file(tmp_path / "fhrs.geojson", [(1, "Corner Shop", "Retailers - other",
                                                    0.001, 51.451)])
    runner.invoke(args=["import", "businesses", str(path)])
    haven = db_session.scalar(select(Haven))
    with app.app_context():
        services.log_visit(db_session=db_session, haven_id=haven.id, actor=worker,
                           data={"outcome": "signed_up"})
    _fhrs_file(path, [(1, "Corner Shop (renamed)", "Retailers - other", 0.001, 51.451)])
    runner.invoke(args=["import", "businesses", str(path)])
    db_session.expire_all()
    assert (haven.status, haven.name) == ("active", "Corner Shop (renamed)")


def test_prospects_near_each_school_nearest_first_without_active_havens(
        db_session, borough_id, worker, app, tmp_path, runner):
    add_school(db_session, 100001, "Alder Primary School", lon=0.0, lat=51.45)
    db_session.commit()
    path = _fhrs_file(tmp_path / "fhrs.geojson", [
        (1, "Near Shop", "Retailers - other", 0.001, 51.4501),
        (2, "Nearer Café", "Restaurant/Cafe/Canteen", 0.0005, 51.4501),
        (3, "Too Far", "Retailers - other", 0.014, 51.459)])
    runner.invoke(args=["import", "businesses", str(path)])
    with app.app_context():
        nearer = db_session.scalar(select(Haven).where(Haven.source_id == "2"))
        services.log_visit(db_session=db_session, haven_id=nearer.id, actor=worker,
                           data={"outcome": "signed_up"})
    with app.app_context():
        schools = prospects.near_schools(db_session=db_session, borough_id=borough_id)
    assert [s["name"] for s in schools] == ["Alder Primary School"]
    assert [p.name for p in schools[0]["prospects"]] == ["Near Shop"]


def test_lapse_overdue_command(runner, db_session, worker, app):
    with app.app_context():
        make_haven(db_session, worker, signed_up_on=services.today() - timedelta(days=500))
    result = runner.invoke(args=["havens", "lapse-overdue"])
    assert "1 haven(s) lapsed." in result.output and "Corner Shop" in result.output
    assert db_session.scalar(select(Haven.status)) == "lapsed"


def test_demo_seed_adds_havens_of_every_status_with_some_overdue(runner, db_session, app,
                                                                  tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    statuses = dict(db_session.execute(select(Haven.status, func.count()).group_by(
        Haven.status)).all())
    assert set(statuses) == {"prospect", "active", "lapsed", "withdrawn"}
    assert statuses["active"] >= 20
    overdue = db_session.scalar(select(func.count()).select_from(Haven).where(
        Haven.status == "active", Haven.next_visit_due < services.today() + timedelta(days=30)))
    assert overdue >= 1
