"""Brugerstemmen: anonymous user voice for Danish drop-in centres."""

import functools
import re
import traceback
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from babel import Locale
from babel.lists import format_list
from flask import Flask, abort, current_app, g, render_template, request
from flask.logging import default_handler
from flask.sessions import SecureCookieSessionInterface
from flask_babel import Babel, get_locale, gettext
from flask_wtf.csrf import CSRFProtect
from markupsafe import Markup, escape
from werkzeug.middleware.proxy_fix import ProxyFix

from . import catalogues, charts, compression, config, db, formatting, logs, period_picker, questions, stuffing

TRANSLATIONS_DIR = catalogues.TRANSLATIONS
ICONS_DIR = Path(__file__).resolve().parent / "static" / "icons"

csrf = CSRFProtect()
babel = Babel()

# Same-origin everything: no CDN, no remote font, no inline script, nothing framed.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
# Everything off but what the kiosk uses: the whole screen, kept awake. (Speech synthesis for
# "read aloud" needs no permission.)
PERMISSIONS_POLICY = ", ".join([
    "fullscreen=(self)", "screen-wake-lock=(self)", "accelerometer=()", "autoplay=()",
    "camera=()", "display-capture=()", "geolocation=()", "gyroscope=()", "hid=()", "idle-detection=()",
    "magnetometer=()", "microphone=()", "midi=()", "payment=()", "publickey-credentials-get=()",
    "serial=()", "usb=()", "xr-spatial-tracking=()", "browsing-topics=()",
])
HSTS = "max-age=31536000"


def create_app(test_config=None):
    app = Flask(__name__)
    app.config.from_mapping(config.DEFAULTS)
    app.config.update(
        MAX_CONTENT_LENGTH=64 * 1024,
        MAX_FORM_MEMORY_SIZE=64 * 1024,
        MAX_FORM_PARTS=200,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Flask-WTF's HTTPS check wants a Referer header, which no-referrer never sends;
        # the token (bound to the session) and SameSite cookies carry the protection.
        WTF_CSRF_SSL_STRICT=False,
        BABEL_DEFAULT_LOCALE="da",
        BABEL_TRANSLATION_DIRECTORIES=str(TRANSLATIONS_DIR),
    )
    app.config.update(config.from_environment())
    if test_config:
        app.config.update(test_config)
    app.config["DATA_DIR"] = str(config.prepare_data_dir(app.config["DATA_DIR"] or app.instance_path))
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config.load_or_create_secret_key(app.config["DATA_DIR"])
    app.config["SESSION_COOKIE_SECURE"] = app.config["BASE_URL"].startswith("https://")
    app.session_interface = SessionInterface()

    # No clock time in the app's log lines; under systemd each says its priority (app/logs.py).
    default_handler.setFormatter(logs.LineFormatter())
    if app.config["PROXY_HOPS"]:
        # Behind deploy/'s nginx every request comes from 127.0.0.1; the client's address is
        # in X-Forwarded-For, which only that many proxies may have written. Only the login
        # throttle reads it, as a keyed hash.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_HOPS"])
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.globals.update(icon=icon, icon_sprite=icon_sprite, language_name=language_name,
                                 language_name_here=language_name_here,
                                 text_direction=text_direction, current_locale=get_locale,
                                 languages_in_order=languages_in_order, by_question=questions.by_question,
                                 strong_list=strong_list)
    formatting.register(app)
    period_picker.register(app)
    charts.register(app)
    app.teardown_appcontext(db.close_db)
    app.teardown_appcontext(db.close_throttle_db)
    app.teardown_appcontext(stuffing.close_counters)
    app.before_request(forms_are_forms)
    app.after_request(security_headers)
    app.after_request(redirects_stay_home)
    app.after_request(compression.compress)
    register_error_pages(app)

    register_blueprints(app)
    return app


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed session cookie; a request that brings none (every answer from a phone)
    is given an empty session without building the signer a cookie would need."""

    def open_session(self, app, request):
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


ROLES = ("centre", "hub", "both")


def register_blueprints(app):
    """A centre installation answers respondents; a hub takes the centres' reports; both share
    the staff accounts (LVS staff sign in the same way)."""
    role = app.config["ROLE"]
    if role not in ROLES:
        raise config.ConfigError(f"{config.ENV_PREFIX}ROLE={role!r}: use centre, hub or both")
    from .staff import bp as staff_bp
    if role in ("centre", "both"):
        from .survey import bp as survey_bp
        app.register_blueprint(survey_bp)
    app.register_blueprint(staff_bp)
    if role in ("hub", "both"):
        from .hub.api import bp as api_bp
        from .hub.dashboard import bp as hub_bp
        csrf.exempt(api_bp)  # signed by the centre's key, not by a browser session
        app.register_blueprint(api_bp)
        app.register_blueprint(hub_bp)


def select_locale():
    """The respondent's choice lives in the address (?lang=), never in a cookie; staff keep theirs
    with their account.

    Only the query string is read: error pages pick the language too, and reading the body
    there would fail again for the body that caused the error.
    """
    from flask import current_app, has_request_context

    if not has_request_context():
        return "en"  # the operator's command speaks English
    staff_side = request.blueprint in ("staff", "hub")
    languages = current_app.config["STAFF_LANGUAGES" if staff_side else "LANGUAGES"]
    if request.blueprint == "survey":
        # Only what the centre offers: an answer in a language nobody else there uses stands out.
        from .survey.views import offered_languages

        offered = offered_languages(languages)
        languages = [code for code in languages if code in offered]
    chosen = request.args.get("lang", "")
    if chosen in languages:
        return chosen
    staff = g.get("staff")  # a signed-in staff member's own choice, kept with their account
    if staff and staff["language"] in languages:
        return staff["language"]
    return "da"


def icon(name, flip=False):
    """A pictogram by reference: its drawing is sent once per page, in icon_sprite().

    flip: an arrow that points the other way in a right-to-left language (.icon-flip)."""
    used = g.setdefault("icons_used", [])
    if name not in used:
        _icon_symbol(name)  # an unknown name fails here, not in the browser
        used.append(name)
    classes = "icon icon-flip" if flip else "icon"
    # Not an injection: our own icon files, by a name checked above.
    return Markup(f'<svg class="{classes}" aria-hidden="true"><use href="#i-{name}"/></svg>')  # nosec B704


def icon_sprite():
    symbols = "".join(_icon_symbol(name) for name in g.get("icons_used", ()))
    # Not an injection: our own icon files.
    return Markup(f'<svg class="sprite" aria-hidden="true">{symbols}</svg>') if symbols else ""  # nosec B704


@functools.cache
def _icon_symbol(name):
    svg = (ICONS_DIR / f"{name}.svg").read_text().strip()
    body = re.search(r"<svg[^>]*>(.*)</svg>", svg, re.S).group(1)
    return f'<symbol id="i-{name}" viewBox="0 0 24 24">{body}</symbol>'


def language_name(code):
    return Locale.parse(code).get_display_name(code).capitalize()


def strong_list(texts):
    """Message ids, translated, each in bold, joined as the language joins a list ("،" in Arabic)."""
    items = [f"<strong>{escape(gettext(text))}</strong>" for text in texts]
    # CLDR's plain enumeration ("unit": Arabic joins with "، و"), else the language's "and" list
    # (Farsi has no complete "unit" pattern).
    try:
        joined = format_list(items, style="unit", locale=str(get_locale()))
    except (KeyError, ValueError):
        joined = format_list(items, locale=str(get_locale()))
    # Not an injection: every item is escaped above, and the patterns are Babel's.
    return Markup(joined)  # nosec B704


def language_name_here(code):
    """A language named in the page's own language ("Engelsk" on a Danish page): for labels a
    member of staff reads, where language_name's own names ("English", "العربية") are for the
    person who speaks it."""
    return Locale.parse(code).get_display_name(str(get_locale())).capitalize()


def languages_in_order(codes):
    """A centre's languages in the installation's order: Danish first, then as LANGUAGES lists them."""
    return [code for code in current_app.config["LANGUAGES"] if code in codes]


def text_direction():
    return Locale.parse(str(get_locale())).text_direction


def forms_are_forms():
    # Pages take forms. Flask-WTF would read a JSON body as the form and trip over any JSON that
    # is not an object; only the hub API speaks JSON.
    if request.method == "POST" and request.is_json and not request.path.startswith("/api/"):
        abort(415)
    # No form takes a file: a field sent as a file part would reach a form as something that is
    # not text. Refused here, once for every form.
    if request.method == "POST" and request.mimetype == "multipart/form-data" and request.files:
        abort(400)


def security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Permissions-Policy"] = PERMISSIONS_POLICY
    if current_app.config["SESSION_COOKIE_SECURE"]:  # served over HTTPS (BASE_URL says so)
        response.headers["Strict-Transport-Security"] = HSTS
    if request.endpoint != "static":
        # Nothing a respondent saw may be kept for the next person at the same screen.
        response.headers["Cache-Control"] = "no-store"
    return response


def redirects_stay_home(response):
    """A redirect never sends a browser to the host the request named: Werkzeug's own (a missing
    trailing slash) writes the request's Host header into an absolute Location. Made relative."""
    location = response.headers.get("Location")
    if location:
        parts = urlsplit(location)
        if parts.netloc and parts.netloc == request.host:
            response.headers["Location"] = urlunsplit(("", "", parts.path, parts.query, parts.fragment))
    return response


def log_unhandled(logger, error):
    """A bug, told to the operator by the view it happened in, never by its address (which holds
    a survey token). On the respondent side the exception's own words stay out too: they may
    quote what the person sent; where it happened is enough to find the bug."""
    where = request.endpoint or "an unknown address"
    if request.blueprint == "survey":
        frames = "\n".join(f"  {frame.filename}:{frame.lineno} in {frame.name}"
                           for frame in traceback.extract_tb(error.__traceback__))
        logger.error("unhandled %s in %s\n%s", type(error).__name__, where, frames)
    else:
        logger.error("unhandled error in %s", where, exc_info=error)


def register_error_pages(app):
    from flask_wtf.csrf import CSRFError
    from werkzeug.exceptions import HTTPException

    def page(error):
        code = getattr(error, "code", 500)
        if isinstance(error, CSRFError):
            code = 400
        elif not isinstance(error, HTTPException):
            log_unhandled(app.logger, error)
            code = 500
        if isinstance(error, db.StorageError):
            code = 503
        if request.path.startswith("/api/") and app.config["ROLE"] != "centre":
            from .hub.api import json_error  # a program asked: it gets JSON it can log
            return json_error(error if isinstance(error, HTTPException) else None)
        return render_template("errors/error.html", code=code), code

    app.register_error_handler(HTTPException, page)
    app.register_error_handler(db.StorageError, page)
    app.register_error_handler(Exception, page)
