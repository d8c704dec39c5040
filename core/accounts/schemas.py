"""Forms for logging in and managing users (Flask-WTF: CSRF token on every form)."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from core.accounts.models import ROLES

ROLE_LABELS = {
    "admin": "Administrator",
    "worker": "Engagement worker",
    "teacher": "Teacher",
    "planner": "Planner (police or council)",
}
ROLE_CHOICES = [SelectChoice(role, ROLE_LABELS[role]) for role in ROLES]


class LoginForm(FlaskForm):
    """Email and password."""

    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1000)])


class UserForm(FlaskForm):
    """A new staff account."""

    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    role = SelectField("Role", choices=ROLE_CHOICES)
    schools = StringField("School URNs (teachers; separate with commas)",
                          validators=[Optional(), Length(max=500)])
    borough = StringField("Borough code (planners, e.g. E09000023)",
                          validators=[Optional(), Length(max=16)])
    password = PasswordField("Password (at least 12 characters)",
                             validators=[DataRequired(), Length(max=1000)])


class ScopeForm(FlaskForm):
    """A user's role and scope."""

    role = SelectField("Role", choices=ROLE_CHOICES)
    schools = StringField("School URNs (teachers; separate with commas)",
                          validators=[Optional(), Length(max=500)])
    borough = StringField("Borough code (planners)", validators=[Optional(), Length(max=16)])


class PasswordForm(FlaskForm):
    """A new password, typed twice."""

    password = PasswordField("New password (at least 12 characters)",
                             validators=[DataRequired(), Length(max=1000)])
    confirm = PasswordField("Type it again", validators=[
        DataRequired(), EqualTo("password", message="The two passwords are different.")])


class TokenForm(FlaskForm):
    """A label for a new API token."""

    label = StringField("What is it for? (e.g. QGIS on my laptop)",
                        validators=[Optional(), Length(max=80)])


def split_urns(text: str | None) -> list[str]:
    """School URNs typed as a comma- or space-separated list."""
    return [part for part in (text or "").replace(",", " ").split() if part]
