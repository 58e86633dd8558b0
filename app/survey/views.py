"""Routes of the respondent side. Views call named functions in db.py, never SQL."""

import functools
import re

from flask import (abort, current_app, g, make_response, redirect, render_template, request, send_from_directory,
                   session, url_for)
from flask_babel import get_locale
from werkzeug.datastructures import MultiDict

from .. import clock, csrf, db, failures, kiosk_pin, privacy, questions, retention, said, sealing, stuffing
from . import answer_tokens, bp
from .forms import HONEYPOT, KioskExitForm, KioskSurveyForm, PairKioskForm, SurveyForm, kiosk_form_is_genuine

KIOSK_COOKIE = "kiosk"
KIOSK_COOKIE_DAYS = 400  # the longest browsers keep a cookie; renewed on every visit
# Sent (by comfort.js) when a person picks another language with answers ticked: the page comes
# back in that language with the same ticks, and nothing is stored.
LANGUAGE_SWITCH = "language"
NOT_ANSWERS = {"csrf_token", HONEYPOT, answer_tokens.FIELD, LANGUAGE_SWITCH}
# A kiosk sends each answer with a random key of its own making (the IETF Idempotency-Key
# header) and, when it held the answer back while offline, the ISO week it was given in.
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{22,64}$")
HELD_WEEK = "week"
# An answer a tablet held while the server was away comes sealed (app/sealing.py), in this field.
SEALED = "sealed"
# The thank-you page's ?sent= when a person pressed send with nothing chosen.
NOTHING = "nothing"


@bp.route("/")
def index():
    return render_template("survey/index.html")


# --- phone ---------------------------------------------------------------------------------

@bp.route("/s/<token>", methods=["GET", "POST"])
@csrf.exempt  # checked by the form itself, so an expired token keeps the answers (see submit)
def phone(token):
    centre = survey_centre(token)
    if centre is None:
        return render_template("survey/unknown_code.html"), 404
    return survey_page(centre, "phone", SurveyForm, "survey/phone.html",
                       thanks=functools.partial(url_for, ".phone_thanks", token=token, lang=lang()),
                       page_context=lambda: {"privacy_url": url_for(".phone_privacy", token=token, lang=lang())})


@bp.route("/s/<token>/results")
def phone_results(token):
    centre = survey_centre(token)
    if centre is None:
        return render_template("survey/unknown_code.html"), 404
    return render_template("survey/results.html", centre=centre, **results_for(centre),
                           back_url=url_for(".phone", token=token, lang=lang()), kiosk=False,
                           privacy_url=url_for(".phone_privacy", token=token, lang=lang()))


@bp.route("/kiosk/results")
def kiosk_results():
    centre = kiosk_centre()
    if centre is None:
        return render_template("survey/kiosk_unpaired.html"), 403
    return render_template("survey/results.html", centre=centre, **results_for(centre),
                           back_url=url_for(".kiosk", lang=lang()), kiosk=True,
                           return_seconds=current_app.config["KIOSK_IDLE_SECONDS"])


def said_for(centre):
    """The facts and the staff's reply for the thank-you page, if the centre shows them."""
    if not centre["show_said"]:
        return {"said": None, "reply": None}
    return results_for(centre)


def results_for(centre):
    database = db.get_db()
    return {"said": said.last_said(database, centre, clock.now()), "reply": said.latest_reply(database, centre, lang())}


@bp.route("/s/<token>/privacy")
def phone_privacy(token):
    centre = survey_centre(token)
    if centre is None:
        return render_template("survey/unknown_code.html"), 404
    return privacy_page(centre, back_url=url_for(".phone", token=token, lang=lang()), kiosk=False)


@bp.route("/kiosk/privacy")
def kiosk_privacy():
    centre = kiosk_centre()
    if centre is None:
        return render_template("survey/kiosk_unpaired.html"), 403
    return privacy_page(centre, back_url=url_for(".kiosk", lang=lang()), kiosk=True)


def privacy_page(centre, **context):
    takes_messages = any(f.kind == "text" for f in questions.load().fields(disabled=centre["disabled_questions"]))
    return render_template("survey/privacy.html", centre=centre, takes_messages=takes_messages,
                           text_min_answers=retention.messages_shown_from(centre),
                           return_seconds=current_app.config["KIOSK_IDLE_SECONDS"], **context)


@bp.route("/s/<token>/tak")
def phone_thanks(token):
    centre = survey_centre(token)
    if centre is None:
        return render_template("survey/unknown_code.html"), 404
    return render_template("survey/thanks.html", min_cell_size=centre["min_cell_size"], **said_for(centre),
                           sent_nothing=request.args.get("sent") == NOTHING,
                           privacy_url=url_for(".phone_privacy", token=token, lang=lang()))


# --- kiosk ---------------------------------------------------------------------------------

@bp.route("/kiosk/", methods=["GET", "POST"])
@csrf.exempt  # as phone()
def kiosk():
    centre = kiosk_centre()
    if centre is None:
        return render_template("survey/kiosk_unpaired.html"), 403
    response = make_response(survey_page(
        centre, "kiosk", KioskSurveyForm, "survey/kiosk.html",
        thanks=functools.partial(url_for, ".kiosk_thanks", lang=lang()),
        page_context=lambda: dict(
            privacy_url=url_for(".kiosk_privacy", lang=lang()),
            idle_seconds=centre["kiosk_idle_seconds"] or current_app.config["KIOSK_IDLE_SECONDS"],
            gap_seconds=current_app.config["KIOSK_GAP_SECONDS"], interval_seconds=stuffing.kiosk_interval(centre),
            return_seconds=current_app.config["KIOSK_RETURN_SECONDS"],
            retry_seconds=current_app.config["KIOSK_RETRY_SECONDS"], exit_form=KioskExitForm(),
            exit_texts=kiosk_pin.exit_dialog_texts(),
            seal_key=sealing.public_key(current_app.config["DATA_DIR"]), offline_pages=offline_pages(centre))))
    set_kiosk_cookie(response, request.cookies[KIOSK_COOKIE])
    return response


def offline_pages(centre):
    """Every page a kiosk's screens link to, in each of the centre's languages: its service
    worker keeps them, so no tap strands the tablet while the server is away."""
    return [url_for(endpoint, lang=code) for code in centre["languages"]
            for endpoint in (".kiosk", ".kiosk_results", ".kiosk_privacy")]


@bp.route("/kiosk/tak")
def kiosk_thanks():
    centre = kiosk_centre()
    if centre is None:
        return render_template("survey/kiosk_unpaired.html"), 403
    return render_template("survey/kiosk_thanks.html", **said_for(centre),
                           sent_nothing=request.args.get("sent") == NOTHING,
                           min_cell_size=centre["min_cell_size"], privacy_url=url_for(".kiosk_privacy", lang=lang()),
                           return_seconds=current_app.config["KIOSK_RETURN_SECONDS"])


# Seconds the exit page stays before the kiosk returns: long enough to read and act on.
EXIT_PAGE_SECONDS = {"right": 180, "wrong": 15, "locked": 30, "unset": 30}


@bp.route("/kiosk/exit", methods=["POST"])
@csrf.exempt  # checked by the form, whose token lives as long as the kiosk page's
def kiosk_exit():
    """Staff, having held the centre's name and typed the kiosk PIN: how to leave the OS lock."""
    centre = kiosk_centre()
    if centre is None:
        return render_template("survey/kiosk_unpaired.html"), 403
    form = KioskExitForm()
    if not form.validate_on_submit():
        abort(400)
    outcome = kiosk_pin.check(db.get_throttle_db(), centre, form.pin.data)
    status = {"right": 200, "wrong": 403, "locked": 429, "unset": 403}[outcome]
    return render_template("survey/kiosk_exit.html", outcome=outcome,
                           return_seconds=EXIT_PAGE_SECONDS[outcome]), status


@bp.route("/kiosk/sw.js")
def kiosk_worker():
    # Served from /kiosk/ so that its scope is the kiosk and nothing else.
    response = send_from_directory(current_app.static_folder, "kiosk-worker.js", mimetype="text/javascript",
                                   max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/kiosk/seen", methods=["POST"])
@csrf.exempt  # the kiosk's cookie says which tablet; all a forger could do is say it is on
def kiosk_seen():
    """A paired tablet says it is on. Its script asks at fixed times of the clock, never after an
    answer, and only the day is kept: staff see which tablet has gone quiet, nobody learns when
    anyone answered (docs/anonymity.md)."""
    token = request.cookies.get(KIOSK_COOKIE)
    if not token or db.centre_for_kiosk(db.get_db(), token) is None:
        return "", 403
    db.kiosk_seen(db.get_db(), token, clock.today())
    failures.report()  # at a time of the clock, never after an answer
    return "", 204


@bp.route("/kiosk/pair/<token>", methods=["GET", "POST"])
def pair_kiosk(token):
    # Pairing takes a button press: link previews and prefetchers only ever GET.
    database = db.get_db()
    centre = db.centre_for_pairing(database, token)
    if centre is None:
        if kiosk_centre() is not None:
            # A tablet set up with this link and started with it again (kiosk/install-kiosk.sh).
            return redirect(url_for(".kiosk"), 303)
        return render_template("survey/pairing_spent.html"), 410
    form = PairKioskForm()
    if form.validate_on_submit():
        kiosk_token = db.pair_kiosk(database, token, form.nickname.data or "Tablet", day=clock.today())
        if kiosk_token is None:
            return render_template("survey/pairing_spent.html"), 410
        response = redirect(url_for(".kiosk"), 303)
        set_kiosk_cookie(response, kiosk_token)
        return response
    return render_template("survey/pair.html", centre=centre, form=form)


def offered_languages(every):
    """The languages the centre this request is about offers (`every` where it is about none)."""
    if "offered_languages" not in g:
        try:
            centre = _centre_of_request()
        except db.StorageError:  # an error page about a broken database still needs a language
            centre = None
        g.offered_languages = centre["languages"] if centre else every
    return g.offered_languages


def _centre_of_request():
    token = (request.view_args or {}).get("token")
    if request.endpoint == "survey.pair_kiosk":
        return db.centre_for_pairing(db.get_db(), token) or kiosk_centre()
    if token:
        return survey_centre(token)
    if request.path.startswith("/kiosk/"):
        return kiosk_centre()
    return None


def survey_centre(token):
    """The centre a survey link is of; looked up once a request (the language is chosen by it too)."""
    if g.get("survey_centre", (None,))[0] != token:
        g.survey_centre = token, db.centre_by_survey_token(db.get_db(), token)
    return g.survey_centre[1]


def kiosk_centre():
    token = request.cookies.get(KIOSK_COOKIE)
    return db.centre_for_kiosk(db.get_db(), token) if token else None


def set_kiosk_cookie(response, token):
    # The cookie names the tablet, never a person: every respondent at it shares it.
    response.set_cookie(KIOSK_COOKIE, token, max_age=KIOSK_COOKIE_DAYS * 86400, path="/kiosk/",
                        httponly=True, samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"])


# --- shared --------------------------------------------------------------------------------

def lang():
    return str(get_locale())


def survey_page(centre, channel, form_class, template, *, thanks, page_context):
    """Show the survey, or take a submitted answer.

    Nothing is stored until a valid, non-empty answer is sent; sending nothing at all is
    thanked kindly and stores nothing. When an answer cannot be stored (stale form, full disk,
    too many at once) the page comes back with the person's answers still ticked.

    thanks(**query) is the thank-you page's address; page_context() what else the page shows.
    Both are asked for only when needed: a stored answer builds no page and no form.
    """
    had_session = channel == "kiosk" and "csrf_token" in session  # asked before a form makes a new token
    question_set = questions.load()
    fields = question_set.fields(disabled=centre["disabled_questions"])

    def page(notice=None, status=200, chosen=(), message="", answer_token=None):
        if channel == "phone" and answer_token is None:
            answer_token = answer_tokens.issue(centre["id"])
        return render_template(template, centre=centre, fields=fields, form=form_class(), chosen=set(chosen),
                               message=message, answer_token=answer_token, notice=notice, **page_context()), status

    if request.method != "POST":  # GET, and HEAD: the kiosk asks whether the server is there
        return page()

    receipt, iso_week, sent = None, privacy.current_iso_week(), request.form
    if channel == "kiosk":
        receipt = request.headers.get("Idempotency-Key")
        if receipt is not None and not IDEMPOTENCY_KEY.match(receipt):
            abort(400)
        if SEALED in request.form:
            try:
                sent = MultiDict(sealing.unseal(current_app.config["DATA_DIR"], request.form[SEALED]))
            except sealing.Unsealable:
                abort(400)  # not one of ours, or damaged: the tablet lets it go
        if HELD_WEEK in sent:
            iso_week = privacy.week_for_late_answer(sent[HELD_WEEK])
    # A kiosk may send an answer given on an older page, before an admin switched a question
    # off: it is read against every question, and what is now off is left out, not refused.
    readable = question_set.fields() if channel == "kiosk" else fields
    try:
        submission = questions.parse_submission(
            sent, readable, other_fields=NOT_ANSWERS | ({HELD_WEEK} if channel == "kiosk" else set()),
            max_message_chars=current_app.config["MESSAGE_MAX_CHARS"])
    except questions.InvalidSubmission:
        abort(400)  # not logged: the line's time would be a respondent's (app/logs.py), its words theirs
    if readable is not fields:
        submission = submission.limited_to(fields)
    if LANGUAGE_SWITCH in request.form:
        return page(chosen=submission.answers, message=submission.message)
    if sent.get(HONEYPOT):
        return redirect(thanks(), 303)  # a bot: let it think it worked, store nothing
    if submission.is_empty:
        return redirect(thanks(sent=NOTHING), 303)  # every question may be skipped, all of them too
    answered = dict(chosen=submission.answers, message=submission.message)
    if channel == "phone":
        # The same form sent twice is stored once: its token becomes the answer's receipt. It is
        # also what shows the form is ours: the phone's form has no CSRF token (forms.SurveyForm).
        receipt = answer_tokens.receipt(request.form.get(answer_tokens.FIELD), centre["id"])
        if receipt is None:
            return page("expired", 400, **answered)  # with a new token: one more press sends it
        answered["answer_token"] = request.form[answer_tokens.FIELD]  # a press again is the same answer
    elif not kiosk_form_is_genuine():
        # No session at all: the browser refuses cookies (or lost them); say so, not "too long".
        return page("expired" if had_session else "cookies", 400, **answered)
    claim = (stuffing.claim_for_kiosk(centre, request.cookies[KIOSK_COOKIE]) if channel == "kiosk"
             else stuffing.claim_for_survey_link(centre))
    if claim is None:
        return page("busy", 429, **answered)
    try:
        stored = db.store_answer(
            db.get_db(), clock.now(), centre_id=centre["id"], iso_week=iso_week, question_set=question_set.version,
            answers=submission.answers, message=privacy.scrub(submission.message), receipt=receipt,
            busy_timeout_ms=current_app.config["DB_BUSY_TIMEOUT_MS"])
    except db.StorageError as error:
        claim.give_back()
        failures.count(centre, error)  # counted, not logged: a line would date the answer
        return page("not_saved", 503, **answered)
    if stored is None:
        claim.give_back()  # sent before and stored then: this one takes no place under the limits
    return redirect(thanks(), 303)


# --- the short code under a poster's QR code ---------------------------------------------------

@bp.route("/k")
@bp.route("/k/<code>")
def short_code(code=None):
    """A poster's short code, in the address or typed in the front page's form, leads to the
    survey its QR code opens. A code no centre has gets the front page again, saying so."""
    from .. import short_codes

    typed = code if code is not None else request.args.get("code", "")
    if not typed.strip():
        return redirect(url_for(".index"), 303)
    centre = db.centre_by_short_code(db.get_db(), short_codes.normalise(typed))
    if centre is None:
        return render_template("survey/index.html", unknown_code=typed[:40]), 404
    return redirect(url_for(".phone", token=centre["survey_token"], lang=request.args.get("lang") or None), 303)
