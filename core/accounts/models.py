"""Staff accounts, their login sessions and API tokens. Pupils never have accounts."""

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    String,
    Table,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base
from core.places.models import Borough, School

ROLES = ("admin", "worker", "teacher", "planner")

teacher_school = Table(
    "teacher_school",
    Base.metadata,
    Column("user_id", ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True),
    Column("school_id", ForeignKey("school.id", ondelete="CASCADE"), primary_key=True),
)


class User(Base):
    """A staff member: admin, engagement worker, teacher (schools) or planner (a borough)."""

    __tablename__ = "app_user"
    __table_args__ = (
        CheckConstraint("role in ('admin', 'worker', 'teacher', 'planner')", name="role"),
        CheckConstraint("role <> 'planner' or borough_id is not null", name="planner_borough"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    borough_id: Mapped[int | None] = mapped_column(ForeignKey("borough.id", ondelete="RESTRICT"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    borough: Mapped[Borough | None] = relationship()
    schools: Mapped[list[School]] = relationship(secondary=teacher_school,
                                                 order_by=School.name)


class LoginSession(Base):
    """A browser login; the cookie holds its random token, the table only its hash."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"),
                                         index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                   server_default=func.now())
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()


class ApiToken(Base):
    """A bearer token for scripts and GIS tools; stored hashed, revocable."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"),
                                         index=True)
    label: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()


def _user_login_protocol(cls):
    """Give User what Flask-Login expects; get_id is the login session's token."""
    cls.is_authenticated = property(lambda self: True)
    cls.is_active = property(lambda self: self.active)
    cls.is_anonymous = property(lambda self: False)
    cls.get_id = lambda self: self.__dict__.get("session_token")
    return cls


_user_login_protocol(User)
