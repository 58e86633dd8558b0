"""Forms of the staff side."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectChoice, SelectField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from ..accounts import EMAIL_PATTERN


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class NewPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])
    repeat = PasswordField(_l("The new password again"),
                           validators=[DataRequired(), EqualTo("password", _l("The two passwords differ."))])


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(_l("Your current password"), validators=[DataRequired(), Length(max=200)])


class InviteForm(FlaskForm):
    email = EmailField(_l("E-mail of the new colleague"),
                       validators=[DataRequired(), Length(max=254),
                                   Regexp(EMAIL_PATTERN, message=_l("That is not an e-mail address."))])
    role = SelectField(_l("Role"), choices=[SelectChoice("staff", _l("Staff: sees summaries and downloads")),
                                            SelectChoice("admin", _l("Admin: also changes settings and the team"))])
