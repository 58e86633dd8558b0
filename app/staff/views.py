"""Routes of the staff side. Views call named functions in db.py, never SQL."""

import math

from flask import (abort, current_app, flash, g, make_response, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _

from .. import (accounts, clock, db, exports, figures, language_name, links, offered_languages, periods, posters,
               questions, retention, said, stuffing)
from babel import Locale

from .. import catalogues
from ..hub import status
from . import bp, centre_access
from wtforms import SelectChoice

from .forms import (CentreSettingsForm, ChangePasswordForm, InviteForm, KioskPinForm, LoginForm, NewPasswordForm,
                    RotateTokenForm)

INVITE_TTL_HOURS = 7 * 24


def sign_in(staff):
    session.clear()  # a fresh session: nothing from before the login carries over
    session["staff_id"] = staff["id"]
    session["staff_version"] = staff["session_version"]


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    error = None
    status = 200
    if form.validate_on_submit():
        database = db.get_db()
        # Only a keyed hash of the address is kept (accounts.throttle_keys).
        keys = accounts.throttle_keys(form.email.data, request.remote_addr, current_app.secret_key)
        wait = accounts.seconds_locked(database, keys)
        staff = db.staff_by_email(database, form.email.data.strip())
        if wait:
            error = _("Too many wrong attempts. Try again in %(minutes)s minutes.", minutes=math.ceil(wait / 60))
            status = 429
        elif accounts.password_matches(staff, form.password.data):
            accounts.record_success(database, keys)
            sign_in(staff)
            return redirect(safe_next(request.args.get("next")), 303)
        else:
            accounts.record_failure(database, keys)
            error = _("Wrong e-mail or password.")
            status = 401
    return render_template("staff/login.html", form=form, error=error), status


def safe_next(target, default=None):
    # Only back into the staff area or the hub: never an open redirect to another site.
    if target and target.startswith(("/staff/", "/hub/")) and "\\" not in target:
        return target
    return default or url_for("staff.home")


@bp.route("/logout", methods=["POST"])
def logout():
    session.clear()
    return redirect(url_for("staff.login"), 303)


@bp.route("/language", methods=["POST"])
def set_language():
    """A staff member's language follows them: pages and downloads use it until they change it."""
    language = request.form.get("language", "")
    if language not in current_app.config["STAFF_LANGUAGES"]:
        abort(400)
    db.set_staff_language(db.get_db(), g.staff["id"], language)
    return redirect(safe_next(request.form.get("back")), 303)


@bp.route("/password", methods=["GET", "POST"])
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not accounts.password_matches(g.staff, form.current.data):
            form.current.errors.append(_("That is not your current password."))
        elif _accept_new_password(form, g.staff):
            flash(_("Your password is changed. Other devices signed in with the old one are signed out."))
            return redirect(url_for("staff.home"), 303)
    return render_template("staff/password.html", form=form)


def _accept_new_password(form, staff):
    try:
        accounts.check_new_password(form.password.data, staff["email"])
    except accounts.PasswordRejected as reason:
        form.password.errors.append(str(reason))
        return False
    database = db.get_db()
    db.set_password(database, staff["id"], accounts.hash_password(form.password.data))
    sign_in(db.staff_by_id(database, staff["id"]))
    return True


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invite(token):
    staff = db.staff_for_invite(db.get_db(), token)
    if staff is None:
        return render_template("staff/invite_spent.html"), 410
    form = NewPasswordForm()
    if form.validate_on_submit() and _accept_new_password(form, staff):
        flash(_("Welcome! Your password is set."))
        return redirect(url_for("staff.home"), 303)
    return render_template("staff/invite.html", form=form, email=staff["email"])


@bp.route("/")
def home():
    centres = db.centres_of(db.get_db(), g.staff["id"])
    if not centres and g.staff["is_hub_admin"] and "hub.dashboard" in current_app.view_functions:
        return redirect(url_for("hub.dashboard"))
    if len(centres) == 1:
        return redirect(url_for("staff.centre", slug=centres[0]["slug"]))
    return render_template("staff/home.html", centres=centres)


@bp.route("/translations")
def translations():
    """Every shipped language, how much of it is translated, and whether a native speaker checked it."""
    rows = [{"code": code, "name": language_name(code), "direction": Locale.parse(code).text_direction,
             **catalogues.status(code)} for code in current_app.config["LANGUAGES"]]
    return render_template("staff/translations.html", rows=rows)


@bp.route("/c/<slug>/")
@centre_access("staff")
def centre(centre):
    return render_template("staff/centre.html", centre=centre, survey_url=links.survey_url(centre),
                           turned_away=stuffing.turned_away(centre), answers_per_minute=stuffing.answers_per_minute(centre),
                           poster_languages=offered_languages(centre["languages"]))


def _table(centre, year):
    tables = g.setdefault("decided_tables", {})
    if year not in tables:
        tables[year] = figures.decided_table(db.get_db(), centre, year, centre["min_cell_size"], clock.now())
    return tables[year]


def _figures_for(centre, period_key):
    try:
        period = periods.parse(period_key) if period_key else periods.last_closed_week(clock.now())
    except ValueError:
        abort(404)
    return period, figures.period_figures(_table(centre, period.year), period)


def _trend(centre, week, weeks=12):
    """Answers and the share giving 9-10, week by week up to `week`, as they may be shown."""
    rows = []
    for _step in range(weeks):
        result = figures.period_figures(_table(centre, week.year), week)
        importance = next((f for f in result["fields"] if f["field"].name == "importance"), None)
        share_top = figures.importance_extras(importance, result["total"])[0] if importance else None
        rows.append({"period": week, "total": result["total"], "share_top": share_top})
        week = week.previous()
    return rows[::-1]


@bp.route("/c/<slug>/summary")
@bp.route("/c/<slug>/summary/<period>")
@centre_access("staff")
def summary(centre, period=None):
    shown, result = _figures_for(centre, period)
    if result is None:
        return render_template("staff/summary_open.html", centre=centre, period=shown), 404
    importance = next((f for f in result["fields"] if f["field"].name == "importance"), None)
    share_top, median = figures.importance_extras(importance, result["total"]) if importance else (None, None)
    levels = {level: periods.containing(shown, level) for level in periods.LEVELS}
    database = db.get_db()
    return render_template("staff/summary.html", centre=centre, figures=result, period=shown,
                           sync=status.sync_status(database, centre, clock.now()),
                           national=status.national_shares(database, shown, questions.load().version),
                           share_top=share_top, median=median, levels=levels, messages=_messages(centre, shown, result),
                           trend=_trend(centre, shown) if shown.level == "week" else None,
                           text_min=retention.messages_shown_from(centre), previous=shown.previous(), next=shown.next(),
                           reply=db.reply_for(database, centre["id"], shown.key), reply_max=REPLY_MAX_CHARS)


def _messages(centre, period, result):
    """A week's messages, or None where the week is too small for free text to stay anonymous."""
    total = result["total"]
    if period.level != "week" or not total.shown or total.value < retention.messages_shown_from(centre):
        return None
    return db.messages_in_week(db.get_db(), centre["id"], period.key)


@bp.route("/c/<slug>/messages/<message_id>/delete", methods=["POST"])
@centre_access("admin")
def delete_message(centre, message_id):
    if db.delete_message(db.get_db(), centre["id"], message_id):
        db.compact(db.path_in(current_app.config["DATA_DIR"]))  # its bytes leave the file and the WAL too
        flash(_("The message is deleted."))
    return redirect(safe_next(request.form.get("back"), url_for("staff.summary", slug=centre["slug"])), 303)


@bp.route("/c/<slug>/summary/<period>/download.<extension>")
@centre_access("staff")
def download(centre, period, extension):
    if extension not in exports.FORMATS:
        abort(404)
    shown, result = _figures_for(centre, period)
    if result is None:
        abort(404)
    body = {"csv": exports.to_csv, "xlsx": exports.to_xlsx, "pdf": exports.to_pdf}[extension](centre, result)
    response = make_response(body)
    response.headers["Content-Type"] = exports.FORMATS[extension]
    response.headers["Content-Disposition"] = f'attachment; filename="{exports.filename(centre, shown, extension)}"'
    return response


REPLY_MAX_CHARS = 600


@bp.route("/c/<slug>/summary/<period>/reply", methods=["POST"])
@centre_access("staff")
def reply(centre, period):
    """The staff's "we did" for a period, in Danish and the centre's other languages."""
    shown, result = _figures_for(centre, period)
    if result is None:
        abort(404)
    texts = {language: " ".join(request.form.get(f"reply-{language}", "").split())
             for language in centre["languages"]}
    if any(len(text) > REPLY_MAX_CHARS for text in texts.values()):
        flash(_("The reply is too long: at most %(n)s characters in each language.", n=REPLY_MAX_CHARS), "error")
    elif any(texts.values()) and not texts.get("da"):
        flash(_("Write the reply in Danish too: it is shown when a person's own language has none."), "error")
    else:
        db.save_reply(db.get_db(), centre["id"], shown, texts)
        flash(_("The reply is saved. People see it after they answer, until you reply to a later period.")
              if texts.get("da") else _("The reply is removed."))
    return redirect(url_for("staff.summary", slug=centre["slug"], period=shown.key), 303)


@bp.route("/c/<slug>/summary/<period>/said.pdf")
@centre_access("staff")
def said_poster(centre, period):
    shown, result = _figures_for(centre, period)
    if result is None:
        abort(404)
    facts = said.facts(result)
    body = posters.said_poster_pdf(centre, shown, facts, db.reply_for(db.get_db(), centre["id"], shown.key),
                                   links.survey_url(centre))
    response = make_response(body)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = (f'attachment; filename="brugerstemmen-{centre["slug"]}-{shown.key}'
                                               f'-du-sagde-vi-gjorde.pdf"')
    return response


POSTER_FILES = {"pdf": "application/pdf", "svg": "image/svg+xml", "png": "image/png"}


@bp.route("/c/<slug>/poster.<extension>")
@centre_access("staff")
def poster(centre, extension):
    """The A4 poster (in any of the centre's languages, ?language=ar), or the bare QR code, for
    the centre's current survey address."""
    url = links.survey_url(centre)
    language = request.args.get("language", "da")
    if language not in centre["languages"]:
        abort(404)
    makers = {"pdf": lambda: posters.poster_pdf(centre, url, language, offered_languages(centre["languages"])),
              "svg": lambda: links.qr_svg(url), "png": lambda: links.qr_png(url)}
    if extension not in makers:
        abort(404)
    response = make_response(makers[extension]())
    response.headers["Content-Type"] = POSTER_FILES[extension]
    name = "qr" if extension != "pdf" else "plakat" if language == "da" else f"plakat-{language}"
    response.headers["Content-Disposition"] = f'attachment; filename="brugerstemmen-{centre["slug"]}-{name}.{extension}"'
    return response


@bp.route("/c/<slug>/settings", methods=["GET", "POST"])
@centre_access("admin")
def settings(centre):
    question_set = questions.load()
    switchable = [question_set.question(q) for q in question_set.switchable_ids()]
    form = CentreSettingsForm(data={
        "name": centre["name"],
        "questions": [q.id for q in switchable if q.id not in centre["disabled_questions"]],
        "languages": [code for code in centre["languages"] if code != "da"],
        "min_cell_size": centre["min_cell_size"],
        "kiosk_idle_seconds": centre["kiosk_idle_seconds"] or current_app.config["KIOSK_IDLE_SECONDS"],
        "message_retention_months": centre["message_retention_months"], "show_said": bool(centre["show_said"]),
        "retention_months": centre["retention_months"],
        "kiosk_answer_interval_seconds": stuffing.kiosk_interval(centre),
        "answers_per_minute": stuffing.answers_per_minute(centre)})
    form.questions.choices = [SelectChoice(q.id, _(q.text)) for q in switchable]
    form.languages.choices = [SelectChoice(code, language_name(code))
                              for code in current_app.config["LANGUAGES"] if code != "da"]
    if form.validate_on_submit():
        db.update_centre(db.get_db(), centre["slug"], name=form.name.data.strip(),
                         disabled_questions=[q.id for q in switchable if q.id not in form.questions.data],
                         languages=["da", *form.languages.data], min_cell_size=form.min_cell_size.data,
                         kiosk_idle_seconds=form.kiosk_idle_seconds.data,
                         message_retention_months=form.message_retention_months.data,
                         retention_months=form.retention_months.data,
                         show_said=int(form.show_said.data),
                         kiosk_answer_interval_seconds=form.kiosk_answer_interval_seconds.data,
                         answers_per_minute=form.answers_per_minute.data)
        flash(_("Settings saved. A new k applies from next year; this year keeps the one it started with."))
        return redirect(url_for("staff.settings", slug=centre["slug"]), 303)
    return _settings_page(centre, form)


def _settings_page(centre, form, rotate_form=None, pairing_url=None, pin_form=None, status=200):
    return render_template("staff/settings.html", centre=centre, form=form,
                           rotate_form=rotate_form or RotateTokenForm(), survey_url=links.survey_url(centre),
                           pin_form=pin_form or KioskPinForm(),
                           kiosks=db.kiosks_of(db.get_db(), centre["id"]), pairing_url=pairing_url), status


@bp.route("/c/<slug>/settings/rotate", methods=["POST"])
@centre_access("admin")
def rotate_token(centre):
    form = RotateTokenForm()
    if not form.validate_on_submit():
        return _settings_page(centre, CentreSettingsForm(formdata=None, data={"name": centre["name"]}),
                              rotate_form=form, status=400)
    rotated = db.rotate_survey_token(db.get_db(), centre["slug"])
    links.write_qr_files(links.survey_url(rotated), rotated["slug"])
    flash(_("The survey has a new address and QR code. Print the new poster."))
    return redirect(url_for("staff.settings", slug=centre["slug"]), 303)


@bp.route("/c/<slug>/kiosks/pair", methods=["POST"])
@centre_access("admin")
def pair_kiosk(centre):
    token = db.create_pairing(db.get_db(), centre["id"], current_app.config["PAIRING_TTL_HOURS"])
    form = CentreSettingsForm(formdata=None, data={"name": centre["name"]})
    return _settings_page(centre, form, pairing_url=links.pairing_url(token))


@bp.route("/c/<slug>/kiosks/pin", methods=["POST"])
@centre_access("admin")
def kiosk_pin(centre):
    form = KioskPinForm()
    if not form.validate_on_submit():
        return _settings_page(centre, CentreSettingsForm(formdata=None, data={"name": centre["name"]}),
                              pin_form=form, status=400)
    accounts.set_kiosk_pin(db.get_db(), centre, form.pin.data)
    flash(_("The kiosk PIN is set. Staff leave a tablet's kiosk by holding a finger on the centre's name "
            "on its start screen and typing the PIN."))
    return redirect(url_for("staff.settings", slug=centre["slug"]), 303)


@bp.route("/c/<slug>/kiosks/<kiosk_id>/revoke", methods=["POST"])
@centre_access("admin")
def revoke_kiosk(centre, kiosk_id):
    if db.revoke_kiosk(db.get_db(), centre["id"], kiosk_id):
        flash(_("The tablet is unpaired: it can no longer send answers."))
    return redirect(url_for("staff.settings", slug=centre["slug"]), 303)


@bp.route("/c/<slug>/team", methods=["GET", "POST"])
@centre_access("admin")
def team(centre):
    form = InviteForm()
    invite_url = None
    database = db.get_db()
    if form.validate_on_submit():
        email = form.email.data.strip()
        colleague = db.staff_by_email(database, email) or db.create_staff(database, email)
        db.set_membership(database, colleague["id"], centre["id"], form.role.data)
        if not colleague["password_hash"]:
            token = db.create_invite(database, colleague["id"], INVITE_TTL_HOURS)
            invite_url = links.public_url("staff.accept_invite", token=token)
        else:
            flash(_("%(email)s already has an account and can now open this centre.", email=email))
            return redirect(url_for("staff.team", slug=centre["slug"]), 303)
    return render_template("staff/team.html", centre=centre, form=form, invite_url=invite_url,
                           team=db.team_of(database, centre["id"]), invite_days=INVITE_TTL_HOURS // 24)


@bp.route("/c/<slug>/team/<int:staff_id>/remove", methods=["POST"])
@centre_access("admin")
def remove_from_team(centre, staff_id):
    if staff_id == g.staff["id"]:
        flash(_("You cannot remove yourself."))
    else:
        db.remove_membership(db.get_db(), staff_id, centre["id"])
    return redirect(url_for("staff.team", slug=centre["slug"]), 303)
