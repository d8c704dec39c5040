"""Schemathesis fuzzes the JSON API and the OGC API as each role: no answer is a 5xx, every
answer matches its documented schema, and invalid input is refused with a 4xx and stores nothing.

One test per role seeds a small world in the test's rolled-back transaction, then sends a bounded,
derandomized number of generated requests (valid and invalid) to every documented operation
through a Flask test client that shares that transaction.
"""

import itertools
import re
import traceback
from collections import Counter
from dataclasses import dataclass
from datetime import date

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import negative_data_rejection, response_schema_conformance
from sqlalchemy import func, select, table

from core.accounts import services as accounts
from core.extensions import limiter
from mapping import services as mapping
from tests.factories import add_borough, add_school, add_user
from tests.havens.conftest import make_haven
from tests.mapping.conftest import feature, lonlat, square
from tests.mapping.test_heatmap import send

pytestmark = pytest.mark.slow

ROLES = ["anonymous", "pupil", "teacher", "worker", "planner", "admin"]
EXAMPLES = 6  # per operation, per generation mode, per binding of the path parameters
CONFIG = {"generation": {"with-security-parameters": False}}
CHECKS = {GenerationMode.POSITIVE: [not_a_server_error, response_schema_conformance],
          GenerationMode.NEGATIVE: [not_a_server_error, response_schema_conformance,
                                    negative_data_rejection]}
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
# Where a request could store children's maps, havens or accounts (the audit log is left out:
# refused requests are audited on purpose).
TABLES = ["haven", "haven_visit", "mapping_session", "pupil_map", "zone", "submission_key",
          "named_place", "app_user", "api_token", "hotspot_action", "school_haven_map"]
CSRF_META = re.compile(r'name="csrf-token" content="([^"]+)"')
URNS = (100001, 100002, 100003)
KEYS = itertools.count()  # a fresh Idempotency-Key for every request
VALID_MAP = {"type": "FeatureCollection", "features": [feature(square(100, 100))]}
REPORT_CHARS = 3000


@dataclass
class World:
    """Seeded rows the fuzzer aims real ids at, besides the ids it makes up."""

    haven_id: int
    spare_haven_id: int  # the one DELETE may remove, so later operations still find haven_id
    session_id: int
    join_code: str


def _seed(app, db_session) -> World:
    """A borough, three schools with a teacher's sessions and pupil maps, havens, staff."""
    add_borough(db_session)
    for n, urn in enumerate(URNS):
        lon, lat = lonlat(300 * n, 0)
        add_school(db_session, urn, f"School {n}", lon=lon, lat=lat)
    staff = {"teacher": add_user(db_session, "teacher", school_urns=list(URNS)),
             "worker": add_user(db_session, "worker"),
             "planner": add_user(db_session, "planner", borough_code="E09000999"),
             "admin": add_user(db_session, "admin")}
    with app.app_context():
        sessions = [mapping.create_session(db_session=db_session, teacher=staff["teacher"],
                                           school_urn=urn, class_label=f"7{n}", year_group=7)
                    for n, urn in enumerate(URNS)]
        haven = make_haven(db_session, staff["worker"], "Corner Shop",
                           signed_up_on=date(2026, 1, 5))
        spare = make_haven(db_session, staff["worker"], "Prospect Cafe", lon=0.003, lat=51.451)
    for n, mapping_session in enumerate(sessions * 2):
        send(app, db_session, mapping_session, feature(square(100 + 10 * n, 100)),
             feature(square(-200, 50), kind="safe"))
    db_session.commit()
    return World(haven_id=haven.id, spare_haven_id=spare.id, session_id=sessions[0].id,
                 join_code=sessions[0].join_code)


def _caller(app, db_session, role: str, world: World):
    """A test client and the headers that make its requests come from this role."""
    client = app.test_client()
    if role == "anonymous":
        return client, {}
    if role == "pupil":
        assert client.get(f"/j/{world.join_code}").status_code == 302
        html = client.get("/draw").get_data(as_text=True)
        return client, {"X-CSRFToken": CSRF_META.search(html).group(1)}
    _token, secret = accounts.create_api_token(db_session=db_session, email=f"{role}@example.org")
    return client, {"Authorization": f"Bearer {secret}"}


def _schemas(app, headers: dict):
    """The JSON API's and the OGC API's OpenAPI documents as this caller sees them."""
    config = schemathesis.Config.from_dict(CONFIG)
    return [schemathesis.openapi.from_wsgi(path, app, config=config, headers=headers)
            for path in ("/api/openapi.json", "/ogc/api")]


def _bindings(operation, world: World) -> list[dict]:
    """Made-up path parameters; for operations on a seeded row, that row's ids too; and for
    pupils' maps, a valid map too (a made-up object is never one)."""
    haven_id = world.spare_haven_id if operation.method.upper() == "DELETE" else world.haven_id
    real = {"haven_id": haven_id, "session_id": world.session_id,
            "code": world.join_code, "urn": URNS[0], "postcode": "SE10 8EW",
            "featureId": str(URNS[0]) if "/schools/" in operation.path else str(world.haven_id)}
    pinned = {p.name: real[p.name] for p in operation.path_parameters if p.name in real}
    bindings = [{}, {"path_parameters": pinned}] if pinned else [{}]
    if operation.path.endswith("/maps"):
        bindings.append({"path_parameters": pinned, "body": VALID_MAP,
                         "media_type": "application/json"})
    return bindings


def _counts(db_session) -> dict:
    return {name: db_session.scalar(select(func.count()).select_from(table(name)))
            for name in TABLES}


def _fuzz(operation, mode, binding, client, headers, db_session, statuses) -> list:
    """Send up to EXAMPLES generated cases, counting answers by status; return what failed."""
    failures = []
    before = _counts(db_session)

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode, **binding))
    def run(case):
        request_headers = {**headers, "Idempotency-Key": f"fuzz-key-{next(KEYS):016d}"}
        response = case.call(session=client, headers=request_headers)
        statuses[response.status_code] += 1
        case.validate_response(response, checks=CHECKS[mode], headers=request_headers)
        if mode is GenerationMode.NEGATIVE and case.method.upper() in STATE_CHANGING:
            assert not 200 <= response.status_code < 300, (
                f"invalid input accepted with {response.status_code}: {case.as_curl_command()}")

    try:
        run()
    except Unsatisfiable:  # nothing in the operation can be made invalid (no parameters)
        pass
    # every operation is fuzzed; the failures are reported together (FailureGroup is a
    # BaseExceptionGroup, not an Exception)
    except (Exception, BaseExceptionGroup) as exc:
        detail = str(exc) if isinstance(exc, BaseExceptionGroup) else "".join(
            [*traceback.format_tb(exc.__traceback__)[-3:], *traceback.format_exception_only(exc)])
        failures.append(f"{operation.label} [{mode.value}, {sorted(binding)}]: "
                        f"{detail[:REPORT_CHARS]}")
    if mode is GenerationMode.NEGATIVE and operation.method.upper() in STATE_CHANGING:
        db_session.expire_all()
        after = _counts(db_session)
        if after != before:
            failures.append(f"{operation.label}: refused input changed {before} to {after}")
    return failures


@pytest.mark.parametrize("role", ROLES)
def test_fuzzed_requests_never_fail_the_server_or_the_schema(app, db_session, role, monkeypatch):
    # rate limits would answer 429 before the fuzzed input reached the code under test
    monkeypatch.setattr(limiter, "enabled", False)
    world = _seed(app, db_session)
    client, headers = _caller(app, db_session, role, world)
    statuses, failures, operations = Counter(), [], 0
    for schema in _schemas(app, headers):
        for result in schema.get_all_operations():
            operation = result.ok()
            operations += 1
            for binding in _bindings(operation, world):
                for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                    failures += _fuzz(operation, mode, binding, client, headers, db_session,
                                      statuses)
    sent = statuses.total()
    print(f"{role}: {sent} fuzzed requests over {operations} operations: {dict(statuses)}")
    assert operations >= 35 and sent >= operations * EXAMPLES
    assert statuses[200] and not any(status >= 500 for status in statuses)
    if role == "pupil":  # the valid maps got through, so their 201 answers were checked too
        assert statuses[201] and _counts(db_session)["pupil_map"] > 6
    assert not failures, "\n\n".join(failures)
