"""Account use cases: users, logins, sessions and API tokens."""

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload

from core.accounts import passwords, tokens
from core.accounts.models import ROLES, ApiToken, LoginSession, User
from core.audit import services as audit
from core.errors import Conflict, InvalidInput, NotFound
from core.places.models import Borough, School
from core.text import without_bidi_controls

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Verified against when the email is unknown, so both answers take the same time.
_DUMMY_HASH = passwords.hash_password("not-a-real-password-just-for-timing")


def now() -> datetime:
    """The current time (UTC); one place so expiry rules read the same clock."""
    return datetime.now(UTC)


def normalise_email(email: str) -> str:
    """Lower-case and trim an email address, or raise InvalidInput."""
    email = (email or "").strip().lower()
    if not EMAIL_PATTERN.match(email) or len(email) > 254:
        raise InvalidInput("Enter a valid email address.", field="email")
    return email


def get_by_email(*, db_session: Session, email: str) -> User | None:
    """The user with this email, if any."""
    return db_session.scalar(select(User).where(User.email == email.strip().lower()))


def get_or_raise(*, db_session: Session, user_id: int) -> User:
    """The user with this id, or NotFound."""
    user = db_session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


def list_users(*, db_session: Session) -> list[User]:
    """Every user, by email."""
    return list(db_session.scalars(select(User).order_by(User.email)))


def _scope(*, db_session: Session, role: str, school_urns, borough_code):
    if role not in ROLES:
        raise InvalidInput(f"Role must be one of {', '.join(ROLES)}.", field="role")
    schools = [_school_or_raise(db_session, urn) for urn in school_urns or ()]
    if role == "teacher" and not schools:
        raise InvalidInput("A teacher needs at least one school (by URN).", field="schools")
    if role != "teacher" and schools:
        raise InvalidInput("Only teachers are linked to schools.", field="schools")
    borough = None
    if borough_code:
        borough = db_session.scalar(select(Borough).where(Borough.code == borough_code))
        if borough is None:
            raise InvalidInput(f"No borough with code {borough_code}.", field="borough")
    if role == "planner" and borough is None:
        raise InvalidInput("A planner needs a borough (its code, e.g. E09000023).",
                           field="borough")
    return schools, borough


def _school_or_raise(db_session: Session, urn) -> School:
    try:
        urn_number = int(str(urn).strip())
    except ValueError:
        raise InvalidInput(f"School URN {urn!r} is not a number.", field="schools") from None
    school = db_session.scalar(select(School).where(School.urn == urn_number))
    if school is None:
        raise InvalidInput(f"No school with URN {urn_number}.", field="schools")
    return school


def create_user(*, db_session: Session, email: str, password: str, role: str,
                school_urns=(), borough_code: str | None = None,
                actor_id: int | None = None) -> User:
    """Create a staff account after checking role scope and the password policy."""
    email = normalise_email(email)
    problem = passwords.password_problem(password, email)
    if problem:
        raise InvalidInput(problem, field="password")
    schools, borough = _scope(db_session=db_session, role=role, school_urns=school_urns,
                              borough_code=borough_code)
    if get_by_email(db_session=db_session, email=email):
        raise Conflict("A user with that email already exists.", field="email")
    user = User(email=email, password_hash=passwords.hash_password(password), role=role,
                borough=borough, schools=schools, active=True)
    db_session.add(user)
    db_session.flush()
    audit.record(db_session=db_session, action="user.create", user_id=actor_id,
                 object_type="user", object_id=user.id, detail={"role": role})
    db_session.commit()
    return user


def update_scope(*, db_session: Session, user_id: int, role: str, school_urns=(),
                 borough_code: str | None = None, actor_id: int | None = None) -> User:
    """Change a user's role and its schools or borough."""
    user = get_or_raise(db_session=db_session, user_id=user_id)
    schools, borough = _scope(db_session=db_session, role=role, school_urns=school_urns,
                              borough_code=borough_code)
    with db_session.no_autoflush:  # the role and its scope must change together
        user.role, user.schools, user.borough = role, schools, borough
    audit.record(db_session=db_session, action="user.update", user_id=actor_id,
                 object_type="user", object_id=user.id, detail={"role": role})
    db_session.commit()
    return user


def set_password(*, db_session: Session, user_id: int, password: str,
                 actor_id: int | None = None) -> None:
    """Set a new password (policy-checked) and end the user's other sessions."""
    user = get_or_raise(db_session=db_session, user_id=user_id)
    problem = passwords.password_problem(password, user.email)
    if problem:
        raise InvalidInput(problem, field="password")
    user.password_hash = passwords.hash_password(password)
    _end_sessions(db_session, user.id)
    audit.record(db_session=db_session, action="user.password", user_id=actor_id,
                 object_type="user", object_id=user.id)
    db_session.commit()


def set_active(*, db_session: Session, user_id: int, active: bool,
               actor_id: int | None = None) -> User:
    """Deactivate (ending sessions and tokens) or reactivate a user."""
    user = get_or_raise(db_session=db_session, user_id=user_id)
    user.active = active
    if not active:
        _end_sessions(db_session, user.id)
        for token in user_tokens(db_session=db_session, user_id=user.id):
            token.revoked_at = token.revoked_at or now()
    audit.record(db_session=db_session, action="user.activate" if active else "user.deactivate",
                 user_id=actor_id, object_type="user", object_id=user.id)
    db_session.commit()
    return user


def authenticate(*, db_session: Session, email: str, password: str) -> User | None:
    """The active user with these credentials, or None (same work either way)."""
    user = get_by_email(db_session=db_session, email=email or "")
    if user is None or not user.active:
        passwords.verify_password(_DUMMY_HASH, password)
        return None
    if not passwords.verify_password(user.password_hash, password):
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return user


def start_login_session(*, db_session: Session, user: User) -> str:
    """Record a new browser login and return its token (the cookie's value)."""
    token = tokens.new_token()
    db_session.add(LoginSession(token_hash=tokens.digest(token), user_id=user.id,
                                created_at=now(), last_seen_at=now()))
    user.last_login_at = now()
    audit.record(db_session=db_session, action="login", user_id=user.id,
                 object_type="user", object_id=user.id)
    db_session.commit()
    return token


def user_for_login_session(*, db_session: Session, token: str, idle: timedelta,
                           absolute: timedelta) -> User | None:
    """The user of a live login session, refreshing its idle timer; None when it has ended."""
    login = db_session.scalar(
        select(LoginSession).where(LoginSession.token_hash == tokens.digest(token)))
    if login is None or login.ended_at is not None or not login.user.active:
        return None
    moment = now()
    if moment - login.last_seen_at > idle or moment - login.created_at > absolute:
        login.ended_at = moment
        db_session.commit()
        return None
    if moment - login.last_seen_at > timedelta(seconds=30):
        login.last_seen_at = moment
        db_session.commit()
    return login.user


def end_login_session(*, db_session: Session, token: str) -> None:
    """End a login session so its cookie is refused from now on."""
    login = db_session.scalar(
        select(LoginSession).where(LoginSession.token_hash == tokens.digest(token)))
    if login is not None and login.ended_at is None:
        login.ended_at = now()
        audit.record(db_session=db_session, action="logout", user_id=login.user_id,
                     object_type="user", object_id=login.user_id)
        db_session.commit()


def _end_sessions(db_session: Session, user_id: int) -> None:
    for login in db_session.scalars(select(LoginSession).where(
            LoginSession.user_id == user_id, LoginSession.ended_at.is_(None))):
        login.ended_at = now()


def create_api_token(*, db_session: Session, email: str, label: str = "",
                     actor_id: int | None = None) -> tuple[ApiToken, str]:
    """Create an API token for a user; the secret is returned once and stored only hashed."""
    user = get_by_email(db_session=db_session, email=email)
    if user is None or not user.active:
        raise NotFound(f"No active user with email {email}.")
    secret = tokens.new_token()
    token = ApiToken(token_hash=tokens.digest(secret), user_id=user.id,
                     label=without_bidi_controls(label)[:80])
    db_session.add(token)
    db_session.flush()
    audit.record(db_session=db_session, action="token.create", user_id=actor_id,
                 object_type="api_token", object_id=token.id)
    db_session.commit()
    return token, secret


def user_tokens(*, db_session: Session, user_id: int) -> list[ApiToken]:
    """A user's API tokens, newest first."""
    return list(db_session.scalars(select(ApiToken).where(ApiToken.user_id == user_id)
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


# Built once, with its user: every API request asks (one query, no option building per call).
_TOKEN_WITH_USER = (select(ApiToken).options(joinedload(ApiToken.user))
                    .where(ApiToken.token_hash == bindparam("token_hash")))


def user_for_api_token(*, db_session: Session, secret: str) -> User | None:
    """The active user owning a live API token, or None."""
    token = db_session.scalar(_TOKEN_WITH_USER, {"token_hash": tokens.digest(secret)})
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    if token.last_used_at is None or now() - token.last_used_at > timedelta(minutes=5):
        token.last_used_at = now()
        db_session.commit()
    return token.user


def revoke_api_token(*, db_session: Session, token_id: int, actor_id: int | None = None) -> None:
    """Revoke an API token; requests with it are refused from then on."""
    token = db_session.get(ApiToken, token_id)
    if token is None:
        raise NotFound("No such API token.")
    token.revoked_at = token.revoked_at or now()
    audit.record(db_session=db_session, action="token.revoke", user_id=actor_id,
                 object_type="api_token", object_id=token.id)
    db_session.commit()
