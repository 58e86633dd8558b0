"""Forms of the respondent side. The answers themselves are read by questions.parse_submission."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import Length, Optional

HONEYPOT = "website"


class SurveyForm(FlaskForm):
    # Hidden from people and screen readers; a bot that fills every field gives itself away.
    website = StringField()


class KioskSurveyForm(SurveyForm):
    class Meta:
        # A kiosk may rest on its start screen for weeks; the token stays bound to the
        # tablet's session, so it cannot be used from elsewhere. (None would mean "the
        # default hour" to Flask-WTF, so the limit is simply long.)
        csrf_time_limit = 400 * 86400


class KioskExitForm(FlaskForm):
    class Meta:
        csrf_time_limit = KioskSurveyForm.Meta.csrf_time_limit  # as long-lived as the kiosk page

    pin = PasswordField(_l("Kiosk PIN"), validators=[Length(max=20)])


class PairKioskForm(FlaskForm):
    nickname = StringField(_l("A name for this tablet (optional)"),
                           validators=[Optional(), Length(max=60)])
