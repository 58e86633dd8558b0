"""Forms of the respondent side. The answers themselves are read by questions.parse_submission."""

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.csrf import validate_csrf
from wtforms import PasswordField, StringField, ValidationError
from wtforms.validators import Length, Optional

HONEYPOT = "website"
# A kiosk may rest on its start screen for weeks; the token stays bound to the tablet's session,
# so it cannot be used from elsewhere. (None would mean "the default hour" to Flask-WTF, so the
# limit is simply long.)
KIOSK_TOKEN_SECONDS = 400 * 86400


class SurveyForm(FlaskForm):
    # Hidden from people and screen readers; a bot that fills every field gives itself away.
    website = StringField()
    token_seconds = None  # how long its CSRF token holds: None is Flask-WTF's WTF_CSRF_TIME_LIMIT


class KioskSurveyForm(SurveyForm):
    token_seconds = KIOSK_TOKEN_SECONDS

    class Meta:
        csrf_time_limit = KIOSK_TOKEN_SECONDS


class KioskExitForm(FlaskForm):
    class Meta:
        csrf_time_limit = KIOSK_TOKEN_SECONDS  # as long-lived as the kiosk page

    pin = PasswordField(_l("Kiosk PIN"), validators=[Length(max=20)])


class PairKioskForm(FlaskForm):
    nickname = StringField(_l("A name for this tablet (optional)"),
                           validators=[Optional(), Length(max=60)])


def sent_form_is_genuine(form_class):
    """All that form_class().validate() checks of a sent survey page (its CSRF token, bound to
    the session), without building the form: that makes a new token, needed only to show the
    page again, and an answer that is stored never sees it."""
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return True
    try:
        validate_csrf(request.form.get("csrf_token"), time_limit=form_class.token_seconds)
    except ValidationError:
        return False
    return True
