"""The mapping JSON API: teachers' sessions, and pupils sending their maps."""

from flask import current_app, request, url_for
from flask_login import current_user
from flask_smorest import Blueprint

from core import db
from core.accounts.auth import roles_required
from core.errors import Forbidden
from core.extensions import limiter
from mapping import codes, collect, pupils, queries, schemas, services

api_blp = Blueprint("mapping_api", __name__, url_prefix="/api/v1/sessions",
                    description="Class mapping sessions (teachers) and pupils' maps.")
TEACHER = {"security": [{"bearerAuth": []}, {"cookieAuth": []}]}


def session_view(mapping_session) -> dict:
    """A session for its teacher."""
    return {"id": mapping_session.id, "join_code": codes.display(mapping_session.join_code),
            "class_label": mapping_session.class_label,
            "year_group": mapping_session.year_group, "opens_at": mapping_session.opens_at,
            "closes_at": mapping_session.closes_at,
            "closed": mapping_session.closed_at is not None,
            "open_now": services.is_open(mapping_session),
            "expected_pupils": mapping_session.expected_pupils,
            "maps": queries.map_count(db.session(), mapping_session.id),
            "join_url": url_for("pupils.join_link", code=mapping_session.join_code,
                                _external=True)}


@api_blp.route("", methods=["POST"])
@roles_required("teacher")
@api_blp.arguments(schemas.SessionIn)
@api_blp.response(201, schemas.SessionOut)
@api_blp.doc(**TEACHER)
def create_session(data):
    """Create a class session for one of the teacher's schools; answers its join code."""
    mapping_session = services.create_session(
        db_session=db.session(), teacher=current_user, school_urn=data.pop("school"), **data)
    return session_view(mapping_session)


@api_blp.route("")
@roles_required("teacher")
@api_blp.response(200, schemas.SessionOut(many=True))
@api_blp.doc(**TEACHER)
def list_sessions():
    """The teacher's sessions, newest first."""
    return [session_view(s) for s in services.teacher_sessions(db_session=db.session(),
                                                                 user=current_user)]


@api_blp.route("/<int:session_id>")
@roles_required("teacher")
@api_blp.response(200, schemas.SessionOut)
@api_blp.doc(**TEACHER)
def get_session(session_id: int):
    """One of the teacher's sessions with its live count of maps (404 for anyone else's)."""
    return session_view(services.for_teacher_or_404(db_session=db.session(),
                                                    session_id=session_id, user=current_user))


def _pupil_key() -> str:
    return "pupil:" + (request.cookies.get(pupils.cookie_name()) or "none")[-24:]


@api_blp.route("/<string:code>/maps", methods=["POST"])
@limiter.limit(lambda: current_app.config["SUBMIT_LIMIT_PER_CLIENT"])
@limiter.limit(lambda: current_app.config["SUBMIT_LIMIT_PER_PUPIL"], key_func=_pupil_key)
@api_blp.response(201, schemas.Received)
@api_blp.alt_response(200, schema=schemas.Received,
                      description="The same map sent again with the same Idempotency-Key: "
                                  "the first answer, nothing stored twice")
@api_blp.doc(description="One pupil's map: a GeoJSON FeatureCollection, one Feature per zone "
             "(Polygon, LineString or Point; or geometry null with properties.place). Needs "
             "the pupil cookie from /join and an Idempotency-Key header.", requestBody={
                 "content": {"application/geo+json": {"schema": {"type": "object"}},
                             "application/json": {"schema": {"type": "object"}}}},
             parameters=[{"name": "Idempotency-Key", "in": "header", "required": True,
                          "schema": {"type": "string"},
                          "description": "A random key of 16 to 200 characters the page makes "
                                         "once per map; sending the map again with it never "
                                         "stores it twice"}])
def submit_map(code: str):
    """Send one pupil's map (stored whole, once per Idempotency-Key)."""
    mapping_session = services.open_session_or_raise(db_session=db.session(),
                                                     session_id=pupils.session_id())
    if codes.normalise(code) != mapping_session.join_code:
        raise Forbidden("This map is for another class. Join with your class code again.")
    answer, repeated = collect.submit(db_session=db.session(), mapping_session=mapping_session,
                                      raw=request.get_data(cache=False),
                                      key=request.headers.get("Idempotency-Key"))
    return answer, (200 if repeated else 201), {"Idempotent-Replayed": str(repeated).lower()}
