"""Forms of the respondent side. The answers themselves are read by questions.parse_submission."""

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.csrf import validate_csrf
from wtforms import PasswordField, StringField, ValidationError
from wtforms.validators import Length, Optional

from ..plain_text import OneLine

HONEYPOT = "website"
# A kiosk may rest on its start screen for weeks; the token stays bound to the tablet's session,
# so it cannot be used from elsewhere. (None would mean "the default hour" to Flask-WTF, so the
# limit is simply long.)
KIOSK_TOKEN_SECONDS = 400 * 86400


class _Honeypot(FlaskForm):
    # Hidden from people and screen readers; a bot that fills every field gives itself away.
    website = StringField()


class SurveyForm(_Honeypot):
    """The phone's form. It carries no CSRF token, so the phone survey sets no cookie at all: a
    phone that refuses cookies can answer, and nothing is left on it. A CSRF token guards what a
    browser may do on its owner's authority; this form acts on nobody's (no sign-in, no cookie
    that names anything), so a form sent from another site could do nothing its sender cannot
    do directly, and the limits against stuffing count per survey link, not per browser. What
    shows that an answer comes from our page is its one-time answer token (answer_tokens.py),
    signed for this centre and stored once."""

    class Meta:
        csrf = False


class KioskSurveyForm(_Honeypot):
    """The tablet's form: its cookies carry the pairing, the authority to answer as the centre's
    own tablet, so its CSRF token stays."""

    class Meta:
        csrf_time_limit = KIOSK_TOKEN_SECONDS


class KioskExitForm(FlaskForm):
    class Meta:
        csrf_time_limit = KIOSK_TOKEN_SECONDS  # as long-lived as the kiosk page

    pin = PasswordField(_l("Kiosk PIN"), validators=[Length(max=20)])


class PairKioskForm(FlaskForm):
    nickname = StringField(_l("A name for this tablet (optional)"),
                           validators=[Optional(), Length(max=60), OneLine()])


def kiosk_form_is_genuine():
    """All that KioskSurveyForm().validate() checks of a sent page (its CSRF token, bound to the
    tablet's session), without building the form: that makes a new token, needed only to show
    the page again, and an answer that is stored never sees it."""
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return True
    try:
        validate_csrf(request.form.get("csrf_token"), time_limit=KIOSK_TOKEN_SECONDS)
    except ValidationError:
        return False
    return True
