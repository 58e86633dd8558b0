"""The hub's pages for LVS staff (/hub): the national dashboard and the register of centres.

LVS staff sign in like centre staff (the same accounts); the hub-admin flag opens these pages.
"""

from flask import Blueprint, abort, current_app, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from .. import clock, db, period_picker, periods, questions, search
from ..plain_text import OneLine
from ..staff import signed_in_staff
from . import kinds, national, report, signing, year_report, yearly

bp = Blueprint("hub", __name__, url_prefix="/hub", template_folder="templates")


@bp.before_request
def require_hub_admin():
    g.staff = signed_in_staff()
    if g.staff is None:
        return redirect(url_for("staff.login", next=request.path))
    if not g.staff["is_hub_admin"]:
        abort(404)  # as if there were no hub here
    return None


class HubCentreForm(FlaskForm):
    name = StringField(_l("Name of the centre"), validators=[DataRequired(), Length(max=120), OneLine()])
    code = StringField(_l("LVS code"), validators=[DataRequired(), Length(max=40), OneLine()])
    org_form = SelectField(_l("Organisation form"), choices=[SelectChoice(c, t) for c, t in kinds.ORG_FORMS.items()])
    municipality = StringField(_l("Municipality"), validators=[DataRequired(), Length(max=80), OneLine()])
    municipality_type = SelectField(_l("Municipality type"),
                                    choices=[SelectChoice(c, t) for c, t in kinds.MUNICIPALITY_TYPES.items()])


def _period(period_key):
    try:
        return periods.parse(period_key) if period_key else periods.last_closed_week(clock.now())
    except ValueError:
        abort(404)


def _by():
    by = request.args.get("by") or None
    if by is not None and by not in kinds.GROUPINGS:
        abort(404)
    return by


def period_not_over(period, by):
    """The address of a period that has not closed: when it will, and the newest one that has."""
    now = clock.now()
    return render_template("hub/period_open.html", period=period, by=by,
                           latest=periods.latest_closed(period.level, now),
                           latest_week=periods.latest_closed("week", now)), 404


@bp.route("/")
@bp.route("/<period_key>")
def dashboard(period_key=None):
    period, by = _period(period_key), _by()
    now = clock.now()
    if not periods.is_closed(period, now):
        return period_not_over(period, by)
    version = questions.load().version
    groups = []
    for name, figures in report.build(db.get_db(), period, version, by).items():
        fields = national.by_question(figures)
        groups.append({"label": report.group_label(by, name), "figures": figures, "fields": fields,
                       "share_top": national.share_top(figures)})
    args = {"by": by} if by else {}
    picker = period_picker.build(period, now, db.first_reported_year(db.get_db()) or period.year,
                                 url=lambda p: url_for("hub.dashboard", period_key=p.key, **args),
                                 first_day=_first_reported_day())
    return render_template("hub/dashboard.html", period=period, by=by, groups=groups, picker=picker,
                           groupings=kinds.GROUPINGS,
                           min_centres=national.MIN_CENTRES,
                           replying=db.centres_publishing_replies(db.get_db()),
                           registered=db.count_active_hub_centres(db.get_db()))


def _first_reported_day():
    """The first day of the first week any centre reported answers for, or None: the picker offers
    nothing before it (a centre reports the empty weeks of its first year too)."""
    week = db.first_answered_week(db.get_db())
    return periods.parse(week).first_day if week else None


@bp.route("/<period_key>/report.<extension>")
def download(period_key, extension):
    if extension not in ("csv", "xlsx"):
        abort(404)
    period, by = _period(period_key), _by()
    if not periods.is_closed(period, clock.now()):
        abort(404)
    body = report.WRITERS[extension](period, report.build(db.get_db(), period, questions.load().version, by), by)
    response = make_response(body)
    response.headers["Content-Type"] = report.FORMATS[extension]
    response.headers["Content-Disposition"] = f'attachment; filename="{report.filename(period, by, extension)}"'
    return response


def _year_or_404(year):
    """The yearly report of a closed year, or the page saying why there is none (404)."""
    database, version, now = db.get_db(), questions.load().version, clock.now()
    if not periods.FIRST_YEAR <= year <= periods.LAST_YEAR:
        abort(404)
    try:
        period = yearly.year_period(year, database, version, now)
    except yearly.NotReportable:
        latest = periods.latest_closed("year", now)
        if not periods.is_closed(periods.parse(str(year)), now):
            message = _("%(year)s is not over yet: the centres report it after its last week.", year=year)
        else:
            message = _("No centre has reported %(year)s.", year=year)
        return None, (render_template("hub/year_empty.html", year=year, message=message, latest=latest.year), 404)
    return yearly.build(database, period, version), None


@bp.route("/year/")
def latest_year():
    return redirect(url_for("hub.year", year=periods.latest_closed("year", clock.now()).year), 303)


@bp.route("/year/<int:year>")
def year(year):
    found, refused = _year_or_404(year)
    if refused:
        return refused
    latest = periods.latest_closed("year", clock.now()).year
    first = db.first_reported_year(db.get_db()) or year
    return render_template("hub/year.html", earlier=year - 1 if year > first else None,
                           later=year + 1 if year < latest else None, **year_report.context(found))


@bp.route("/year/<int:year>/report.<extension>")
def year_download(year, extension):
    if extension not in year_report.FORMATS:
        abort(404)
    found, refused = _year_or_404(year)
    if refused:
        return refused
    response = make_response(year_report.WRITERS[extension](found))
    response.headers["Content-Type"] = year_report.FORMATS[extension]
    response.headers["Content-Disposition"] = f'attachment; filename="{year_report.filename(found, extension)}"'
    return response


@bp.route("/centres", methods=["GET", "POST"])
def centres():
    form = HubCentreForm()
    database = db.get_db()
    if form.validate_on_submit():
        key = signing.new_key()
        try:
            found = db.register_hub_centre(database, key=key, name=form.name.data.strip(),
                                           lvs_code=form.code.data.strip(), org_form=form.org_form.data,
                                           municipality=form.municipality.data.strip(),
                                           municipality_type=form.municipality_type.data)
        except db.HubCentreExists:
            form.code.errors.append(_("A centre with this LVS code is registered already."))
        else:
            return _credentials(found, key)
    every = db.list_hub_centres(database)
    query = request.args.get("q", "").strip()
    found = search.among(every, query, "name", "lvs_code", "municipality")
    # LVS's register holds some 200 centres: a page of them at a time, and a search for one.
    pages = max(1, -(-len(found) // CENTRES_A_PAGE))
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    first = (page - 1) * CENTRES_A_PAGE
    # The labels translated once, not once a row.
    return render_template("hub/centres.html", form=form, centres=found[first:first + CENTRES_A_PAGE],
                           found=len(found), every=len(every), query=query, page=page, pages=pages, first=first + 1,
                           searchable=len(every) > search.WITHOUT_SEARCH,
                           org_forms={code: str(label) for code, label in kinds.ORG_FORMS.items()},
                           municipality_types={code: str(label) for code, label in kinds.MUNICIPALITY_TYPES.items()})


CENTRES_A_PAGE = 50


def _credentials(found, key):
    """The key is shown on this one page and never again (the page is not cached)."""
    return render_template("hub/credentials.html", centre=found, key=key, hub_url=current_app.config["BASE_URL"])


def _hub_centre(centre_id):
    found = db.hub_centre(db.get_db(), centre_id)
    if found is None:
        abort(404)
    return found


@bp.route("/centres/<centre_id>/rotate", methods=["POST"])
def rotate_key(centre_id):
    found = _hub_centre(centre_id)
    key = signing.new_key()
    db.set_hub_centre_key(db.get_db(), found["id"], key)
    return _credentials(found, key)


@bp.route("/centres/<centre_id>/revoke", methods=["POST"])
def revoke(centre_id):
    found = _hub_centre(centre_id)
    db.revoke_hub_centre(db.get_db(), found["id"])
    return redirect(url_for("hub.centres"), 303)
