"""Routes of the staff side. Views call named functions in db.py, never SQL."""

import math

from flask import (abort, current_app, flash, g, make_response, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer

from .. import (accounts, clock, db, exports, failures, figures, language_name, languages_in_order, links, period_picker, periods,
               questions, retention, said, search, stuffing)
from babel import Locale

from .. import catalogues
from ..hub import status
from ..figure_notes import protection_notes
from ..kiosk_pin import set_pin
from . import bp, centre_access, centre_home, sign_in
from flask_wtf import FlaskForm
from wtforms import SelectChoice

from .forms import (CentreSettingsForm, ChangePasswordForm, InviteForm, KioskPinForm, LoginForm, NewPasswordForm,
                    RotateTokenForm)

INVITE_TTL_HOURS = 7 * 24


# A browser that signed into an account before: the login throttle lets it past the account's
# lock (accounts.py). Sent only to the login page; it names the account's id and a random id.
DEVICE_COOKIE = "staff_device"
DEVICE_COOKIE_DAYS = 90


def _devices():
    return URLSafeSerializer(current_app.secret_key, salt="staff-device")


def trusted_device(staff):
    """The random id of this browser as a trusted device of `staff`, or None."""
    try:
        staff_id, device = _devices().loads(request.cookies.get(DEVICE_COOKIE, ""))
    except (BadSignature, ValueError, TypeError):
        return None
    return device if staff and staff_id == staff["id"] else None


def remember_device(response, staff):
    value = _devices().dumps([staff["id"], trusted_device(staff) or db.new_token()])
    response.set_cookie(DEVICE_COOKIE, value, max_age=DEVICE_COOKIE_DAYS * 86400, path=url_for("staff.login"),
                        httponly=True, samesite="Strict", secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    error = None
    status = 200
    if form.validate_on_submit():
        database, throttle = db.get_db(), db.get_throttle_db()
        staff = db.staff_by_email(database, form.email.data.strip())
        # Only keyed hashes are kept, apart from the answers (accounts.py, db/throttle.py).
        keys = accounts.throttle_keys(form.email.data, request.remote_addr, current_app.secret_key,
                                      proxied=bool(current_app.config["PROXY_HOPS"]), device=trusted_device(staff))
        wait = accounts.claim(throttle, keys)  # checked and counted in one step: a burst gets no more
        if wait:
            error = _("Too many wrong attempts. Try again in %(minutes)s minutes.", minutes=math.ceil(wait / 60))
            status = 429
        elif accounts.password_matches(staff, form.password.data):
            accounts.record_claimed_success(throttle, keys)
            sign_in(staff)
            return remember_device(redirect(safe_next(request.args.get("next")), 303), staff)
        else:
            error = _("Wrong e-mail or password.")  # counted already, by the claim
            status = 401
    return render_template("staff/login.html", form=form, error=error), status


def safe_next(target, default=None):
    # Only back into the staff area or the hub: never an open redirect to another site. A
    # target is a path inside the app: behind a path prefix (SCRIPT_NAME) it goes in front.
    if target and target.startswith(("/staff/", "/hub/")) and "\\" not in target:
        return request.script_root + target
    return default or url_for("staff.home")


@bp.route("/logout", methods=["POST"])
def logout():
    # Every session of the account ends, not only this browser's: a copied cookie dies with it.
    db.end_sessions(db.get_db(), g.staff["id"])
    session.clear()
    flash(_("You are signed out, on every device."))
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
    """A new person chooses their password here; someone with an account signs in and joins."""
    database = db.get_db()
    invited = db.invitation(database, token)
    if invited is None:
        return render_template("staff/invite_spent.html"), 410
    if not invited["sets_password"]:
        return _join(token, invited)
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.check_new_password(form.password.data, invited["email"])
        except accounts.PasswordRejected as reason:
            form.password.errors.append(str(reason))
        else:
            staff_id = db.accept_password_invite(database, token, accounts.hash_password(form.password.data))
            if staff_id is None:  # used in another tab a moment ago
                return render_template("staff/invite_spent.html"), 410
            sign_in(db.staff_by_id(database, staff_id))
            flash(_("Welcome! Your password is set."))
            return redirect(url_for("staff.home"), 303)
    return render_template("staff/invite.html", form=form, invited=invited)


def _join(token, invited):
    """A join link works only for the account it is for, signed in: it never sets a password."""
    if g.staff is None:
        return render_template("staff/invite_join.html", invited=invited, form=None,
                               login_url=url_for("staff.login", next=request.path))
    if g.staff["id"] != invited["staff_id"]:
        return render_template("staff/invite_join.html", invited=invited, form=None, wrong_account=True), 403
    form = FlaskForm()
    if form.validate_on_submit():
        slug = db.accept_join_invite(db.get_db(), token, g.staff["id"])
        if slug is None:
            return render_template("staff/invite_spent.html"), 410
        flash(_("You can now open %(centre)s.", centre=invited["centre_name"]))
        return redirect(url_for("staff.centre", slug=slug), 303)
    return render_template("staff/invite_join.html", invited=invited, form=form)


@bp.route("/")
def home():
    centres = db.centres_of(db.get_db(), g.staff["id"])
    if not centres and g.staff["is_hub_admin"] and "hub.dashboard" in current_app.view_functions:
        return redirect(url_for("hub.dashboard"))
    if len(centres) == 1:
        return redirect(url_for("staff.centre", slug=centres[0]["slug"]))
    # Someone at many centres (LVS's office, a site admin of a hosted installation) finds theirs
    # by a few letters of its name or its short name.
    query = request.args.get("q", "").strip()
    shown = search.among(centres, query, "name", "slug")
    return render_template("staff/home.html", centres=shown, every=len(centres), query=query,
                           searchable=len(centres) > search.WITHOUT_SEARCH)


@bp.route("/translations")
def translations():
    """Every shipped language, how much of it is translated, and whether a native speaker checked it."""
    rows = [{"code": code, "name": language_name(code), "direction": Locale.parse(code).text_direction,
             **catalogues.status(code)} for code in current_app.config["LANGUAGES"]]
    return render_template("staff/translations.html", rows=rows)


@bp.route("/c/<slug>/")
@centre_access("staff")
def centre(centre):
    """The centre's home: this week so far, the last week at a glance, the sync, the tablets, and
    what needs doing."""
    database, now = db.get_db(), clock.now()
    tablets = centre_home.tablets(database, centre, now.date())
    return render_template("staff/centre.html", centre=centre, survey_url=links.survey_url(centre),
                           short_url=links.short_url(centre),
                           turned_away=stuffing.turned_away(centre), not_stored=failures.not_stored(centre),
                           answers_per_minute=stuffing.answers_per_minute(centre),
                           poster_languages=languages_in_order(centre["languages"]),
                           so_far=centre_home.this_week(database, centre, now),
                           glance=centre_home.glance(
                               lambda period: figures.period_figures(_table(centre, period.year), period), now,
                               db.first_year(database, centre["id"])),
                           sync=status.sync_status(database, centre, now), tablets=tablets,
                           quiet=[tablet for tablet in tablets if tablet["quiet"]], quiet_days=centre_home.QUIET_DAYS,
                           reply_due=centre_home.reply_due(database, centre, now))


def _table(centre, year):
    tables = g.setdefault("decided_tables", {})
    if year not in tables:
        tables[year] = figures.stored_table(db.get_db(), centre, year, clock.now())
    return tables[year]


def _figures_for(centre, period_key):
    try:
        period = periods.parse(period_key) if period_key else periods.last_closed_week(clock.now())
    except ValueError:
        abort(404)
    return period, figures.period_figures(_table(centre, period.year), period)


TREND_LENGTH = 12
TREND_LEVELS = ("week", "block", "quarter")


def _trend(centre, week):
    """Answers and the share giving 9-10 over the last 12 weeks up to `week`, as they may be
    shown; or, where weeks withhold them, over the last 12 four-week blocks or quarters: the
    level that shows the share most often, the finer one when two tie. (level, rows)."""
    question_set = questions.load()
    options = [(level, _trend_rows(centre, week, level, question_set)) for level in TREND_LEVELS]
    return max(options, key=lambda option: sum(row["share_top"] is not None for row in option[1]))


def _trend_rows(centre, week, level, question_set):
    period = periods.containing(week, level)
    if figures.headline(_table(centre, period.year), period, question_set) is None:
        period = period.previous()  # the block or quarter of this week has not closed yet
    first_year = db.first_year(db.get_db(), centre["id"])  # of its answers, or of a folded year's counts
    chosen = []
    for _step in range(TREND_LENGTH):
        chosen.append(period)
        period = period.previous()
    # Before the first year with figures: nobody, and no year to decide.
    answered = [p for p in chosen if first_year is not None and p.year >= first_year]
    for year in sorted({p.year for p in answered}):
        _table(centre, year).prefetch([p.key for p in answered if p.year == year])
    rows = []
    for period in reversed(chosen):
        perturbed = False
        if period in answered:
            total, share_top = figures.headline(_table(centre, period.year), period, question_set)
            perturbed = share_top is not None and _table(centre, period.year).rule(period) >= figures.PERTURBATION
        else:
            total, share_top = figures.Count(figures.SHOWN, 0, centre["min_cell_size"]), None
        rows.append({"period": period, "total": total, "share_top": share_top, "perturbed": perturbed})
    return rows


@bp.route("/c/<slug>/summary")
@bp.route("/c/<slug>/summary/<period>")
@centre_access("staff")
def summary(centre, period=None):
    shown, result = _figures_for(centre, period)
    if result is None:
        return period_not_over(centre, shown)
    importance = next((f for f in result["fields"] if f["field"].name == "importance"), None)
    share_top, median = figures.importance_extras(importance, result["total"]) if importance else (None, None)
    trend = _trend(centre, shown) if shown.level == "week" else None
    database = db.get_db()
    picker = period_picker.build(shown, clock.now(), db.first_year(database, centre["id"]) or shown.year,
                                 url=lambda p: url_for("staff.summary", slug=centre["slug"], period=p.key))
    return render_template("staff/summary.html", centre=centre, figures=result, period=shown, picker=picker,
                           notes=protection_notes(result, trend[1] if trend else ()),
                           sync=status.sync_status(database, centre, clock.now()),
                           national=status.national_shares(database, shown, questions.load().version),
                           share_top=share_top, median=median, messages=_messages(centre, shown, result),
                           trend=trend,
                           text_min=retention.messages_shown_from(centre),
                           reply=db.reply_for(database, centre["id"], shown.key), reply_max=REPLY_MAX_CHARS)


def period_not_over(centre, period):
    """The address of a period that has not closed: when it will, and the newest one that has."""
    now = clock.now()
    return render_template("staff/summary_open.html", centre=centre, period=period,
                           latest=periods.latest_closed(period.level, now),
                           latest_week=periods.latest_closed("week", now)), 404


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


def download_extras(centre, period, result):
    """Everything the summary page shows beside a period's tables, for its downloads to carry
    too: the 9-10 share and median, a week's trend, "All centres", and the notes on all of it."""
    return exports.page_extras(result, _trend(centre, period) if period.level == "week" else None,
                               status.national_shares(db.get_db(), period, questions.load().version))


@bp.route("/c/<slug>/summary/<period>/download.<extension>")
@centre_access("staff")
def download(centre, period, extension):
    if extension not in exports.FORMATS:
        abort(404)
    shown, result = _figures_for(centre, period)
    if result is None:
        abort(404)
    body = {"csv": exports.to_csv, "xlsx": exports.to_xlsx, "pdf": exports.to_pdf}[extension](
        centre, result, download_extras(centre, shown, result))
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
    from .. import posters  # here, not at the top: fpdf2 takes a third of a second to load

    body = posters.said_poster_pdf(centre, shown, facts, db.reply_for(db.get_db(), centre["id"], shown.key),
                                   links.survey_url(centre), short_url=links.short_url(centre))
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
    from .. import posters  # see said_poster

    makers = {"pdf": lambda: posters.poster_pdf(centre, url, language, languages_in_order(centre["languages"]),
                                                short_url=links.short_url(centre)),
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
                           short_url=links.short_url(centre),
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
    set_pin(db.get_db(), centre, form.pin.data)
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
        invite_url = links.public_url("staff.accept_invite", token=invite(database, form.email.data.strip(), centre,
                                                                           form.role.data))
    return render_template("staff/team.html", centre=centre, form=form, invite_url=invite_url,
                           invite_qr=links.qr_data_uri(invite_url) if invite_url else None,
                           team=db.team_of(database, centre["id"]), invited=db.invitations_at(database, centre["id"]),
                           invite_days=INVITE_TTL_HOURS // 24)


def invite(database, email, centre, role):
    """A link that grants membership of this centre, nothing else.

    The page answers the same whether or not the e-mail has an account anywhere. Only a new
    account's link sets a password, and it goes to the admin who made the account: at that
    moment it can open nothing but what that admin grants. Any other account (one with a
    password, or invited by another centre or the operator) gets a join link, which works only
    for that person signed in with their own password (docs: README, "Security").
    """
    try:
        colleague = db.create_staff(database, email)
    except db.StaffExists:
        colleague = db.staff_by_email(database, email)
    sets_password = db.may_set_password(database, colleague["id"], centre["id"])
    return db.create_invite(database, colleague["id"], centre["id"], role, sets_password=sets_password,
                            ttl_hours=INVITE_TTL_HOURS)


@bp.route("/c/<slug>/team/<int(min=1, max=9223372036854775807):staff_id>/sign-out", methods=["POST"])
@centre_access("admin")
def sign_out_everywhere(centre, staff_id):
    """A lost phone, a shared computer: every session of a colleague at this centre ends."""
    database = db.get_db()
    member = next((m for m in db.team_of(database, centre["id"]) if m["id"] == staff_id), None)
    if member is not None:  # only someone on this centre's team
        db.end_sessions(database, staff_id)
        if staff_id == g.staff["id"]:
            session.clear()
            return redirect(url_for("staff.login"), 303)
        flash(_("%(email)s is signed out on every device.", email=member["email"]))
    return redirect(url_for("staff.team", slug=centre["slug"]), 303)


@bp.route("/c/<slug>/team/<int(min=1, max=9223372036854775807):staff_id>/remove", methods=["POST"])
@centre_access("admin")
def remove_from_team(centre, staff_id):
    if staff_id == g.staff["id"]:
        flash(_("You cannot remove yourself."))
    else:
        db.remove_membership(db.get_db(), staff_id, centre["id"])
    return redirect(url_for("staff.team", slug=centre["slug"]), 303)


@bp.route("/c/<slug>/team/withdraw", methods=["POST"])
@centre_access("admin")
def withdraw_invitation(centre):
    """A pending invitation withdrawn: its link then says it is spent. By the address, as the
    page lists it, never by an account's id (which would tell an old account from a new one)."""
    person = db.staff_by_email(db.get_db(), request.form.get("email", ""))
    if person is not None:
        db.withdraw_invites(db.get_db(), person["id"], centre["id"])
    return redirect(url_for("staff.team", slug=centre["slug"]), 303)
