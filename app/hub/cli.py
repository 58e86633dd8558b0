"""Commands for the hub (`brugerstemmen hub ...`) and for a centre reporting to it
(`brugerstemmen centre connect`, `brugerstemmen sync`)."""

import sys

import click
from flask import current_app
from flask_babel import force_locale
from flask.cli import AppGroup, with_appcontext

from .. import clock, db, periods, questions
from ..plain_text import control_characters
from ..commands import centre_or_fail, emit, open_database
from . import kinds, report, signing, sync as sync_client, year_report, yearly



@click.group(cls=AppGroup)
def hub():
    """The LVS hub: register centres and read the national figures."""


@hub.group("centre")
def hub_centre():
    """Centres registered with this hub."""


def _hub_centre_or_fail(database, code):
    found = db.hub_centre_by_code(database, code)
    if found is None:
        raise click.ClickException(f"no centre with LVS code {code!r}; see `brugerstemmen hub centre list`")
    return found


def _credentials(found, key):
    return {"name": found["name"], "code": found["lvs_code"], "centre_id": found["id"], "key": key}


def _credential_lines(info):
    return [f"Registered {info['name']} ({info['code']}).",
            f"Centre id:  {info['centre_id']}",
            f"Secret key: {info['key']}",
            "The key is shown only now. At the centre, run:",
            f"  brugerstemmen centre connect SLUG --hub-url {current_app.config['BASE_URL']} "
            f"--centre-id {info['centre_id']} --key-stdin"]


@hub_centre.command("add")
@click.argument("name")
@click.option("--code", required=True, help="The centre's LVS code.")
@click.option("--org-form", required=True, type=click.Choice(list(kinds.ORG_FORMS)))
@click.option("--municipality", required=True, help="The municipality, e.g. Aarhus.")
@click.option("--municipality-type", required=True, type=click.Choice(list(kinds.MUNICIPALITY_TYPES)))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def hub_centre_add(name, code, org_form, municipality, municipality_type, as_json):
    """Register a centre and print its id and secret key (shown this once)."""
    if control_characters(name + code + municipality):
        raise click.ClickException("the name, code or municipality has a control character in it; type it again without")
    database = open_database()
    key = signing.new_key()
    try:
        found = db.register_hub_centre(database, key=key, name=name.strip(), lvs_code=code.strip(), org_form=org_form,
                                       municipality=municipality.strip(), municipality_type=municipality_type)
    except db.HubCentreExists:
        raise click.ClickException(f"a centre with LVS code {code!r} is registered already; "
                                   "`brugerstemmen hub centre rotate-key` gives it a new key") from None
    info = _credentials(found, key)
    emit(as_json, info, _credential_lines(info))


@hub_centre.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
def hub_centre_list(as_json):
    """The registered centres (without their keys)."""
    rows = [{name: c[name] for name in ("id", *db.HUB_CENTRE_FIELDS)} | {"revoked": bool(c["revoked"])}
            for c in db.list_hub_centres(open_database())]
    emit(as_json, rows, [f"{r['lvs_code']}\t{r['id']}\t{r['name']}\t{r['org_form']}\t{r['municipality']}"
                          f"{'  (revoked)' if r['revoked'] else ''}" for r in rows])


@hub_centre.command("rotate-key")
@click.argument("code")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def hub_centre_rotate_key(code, as_json):
    """Give a centre a new secret key; the old one stops working at once."""
    database = open_database()
    found = _hub_centre_or_fail(database, code)
    key = signing.new_key()
    db.set_hub_centre_key(database, found["id"], key)
    info = _credentials(found, key)
    emit(as_json, info, _credential_lines(info))


@hub_centre.command("revoke")
@click.argument("code")
def hub_centre_revoke(code):
    """Refuse every further request from a centre (its figures so far stay)."""
    database = open_database()
    found = _hub_centre_or_fail(database, code)
    db.revoke_hub_centre(database, found["id"])
    click.echo(f"{found['name']} ({code}) can no longer report; `rotate-key` lets it in again with a new key.")


LEVEL_NAMES = {"week": "week", "block": "four-week block", "quarter": "quarter", "year": "year"}


@hub.command("report")
@click.option("--period", "period_key", help="A period of the grid: 2026-W47, 2026-B12, 2026-Q4 or 2026.")
@click.option("--year", "year_text", help="LVS's yearly user-survey report of a closed year, e.g. 2026 "
                                          "(formats pdf, html, csv, json).")
@click.option("--by", type=click.Choice(list(kinds.GROUPINGS)), help="Break down by organisation form or municipality type "
                                                                      "(with --period; the yearly report has both).")
@click.option("--format", "file_format", type=click.Choice(sorted(set(report.FORMATS) | set(year_report.FORMATS))),
              default="csv", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True),
              help="File to write (default: standard output; for xlsx and pdf a file named after the period).")
@click.option("--language", type=click.Choice(["da", "en"]), default="da", show_default=True)
def hub_report(period_key, year_text, by, file_format, output, language):
    """The national figures of a period, or the yearly report, each figure with what it rests on."""
    if (period_key is None) == (year_text is None):
        raise click.ClickException("give either --period or --year (not both)")
    if year_text is not None:
        return _year_report(year_text, by, file_format, output, language)
    if file_format not in report.FORMATS:
        raise click.ClickException(f"--format {file_format} is for --year; a period's figures come as "
                                   f"{', '.join(report.FORMATS)}")
    try:
        period = periods.parse(period_key)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    database = open_database()
    version = questions.load().version
    now = clock.now()
    if not periods.is_closed(period, now):
        latest = periods.latest_closed(period.level, now)
        raise click.ClickException(f"{period.key} is not over yet: it ends on {period.last_day:%A} "
                                   f"{period.last_day.isoformat()} and the centres report it after that; the newest "
                                   f"{LEVEL_NAMES[period.level]} that is over is {latest.key}")
    if not db.has_reports(database, period.key, version):
        raise click.ClickException(f"no centre has reported {period.key}: there are no figures for it "
                                   "(`brugerstemmen hub centre list` shows who may report)")
    with current_app.test_request_context(), force_locale(language):
        body = report.WRITERS[file_format](period, report.build(database, period, version, by), by)
    _write(body, output, report.filename(period, by, file_format), binary=file_format == "xlsx")
    return None


def _year_report(year_text, by, file_format, output, language):
    if by is not None:
        raise click.ClickException("--by is for --period: the yearly report has both breakdowns")
    if file_format not in year_report.FORMATS:
        raise click.ClickException(f"--format {file_format} is for --period; the yearly report comes as "
                                   f"{', '.join(year_report.FORMATS)}")
    database = open_database()
    version = questions.load().version
    try:
        period = yearly.year_period(year_text, database, version, clock.now())
    except yearly.NotReportable as error:
        raise click.ClickException(str(error)) from None
    with current_app.test_request_context(), force_locale(language):
        found = yearly.build(database, period, version)
        body = year_report.WRITERS[file_format](found)
    _write(body, output, year_report.filename(found, file_format), binary=file_format == "pdf")


def _write(body, output, default_name, binary):
    if output is None and not binary:
        click.echo(body.decode("utf-8-sig"), nl=False)
        return
    path = output or default_name
    try:
        with open(path, "wb") as handle:
            handle.write(body)
    except OSError as error:
        raise click.ClickException(f"cannot write {path}: {error.strerror}") from None
    click.echo(f"Wrote {path}")


@click.command("connect")
@with_appcontext
@click.argument("slug")
@click.option("--hub-url", required=True, help="The hub's address, e.g. https://hub.lvs.dk")
@click.option("--centre-id", required=True, help="The id the hub gave this centre.")
@click.option("--key-stdin", is_flag=True, required=True, help="Read the secret key from standard input.")
def centre_connect(slug, hub_url, centre_id, key_stdin):
    """Report this centre's figures to an LVS hub, with the id and key the hub issued."""
    database = open_database()
    centre = centre_or_fail(database, slug)
    if not hub_url.startswith(("https://", "http://")):
        raise click.ClickException(f"--hub-url {hub_url!r} must start with https:// (or http:// on a test machine)")
    key = sys.stdin.readline().strip()
    if len(key) < 32:
        raise click.ClickException("no key on standard input: pipe the secret key the hub printed, e.g. "
                                   "`echo KEY | brugerstemmen centre connect ...`")
    db.connect_hub(database, centre["id"], hub_url.rstrip("/"), centre_id.strip(), key)
    click.echo(f"{centre['name']} reports to {hub_url} as {centre_id}; `brugerstemmen sync` sends what is waiting.")


@click.command("sync")
@with_appcontext
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object listing each centre, period and outcome.")
def sync(as_json):
    """Push every closed period the hub has not acknowledged, for every connected centre."""
    database = open_database()
    results = sync_client.sync_all(database, current_app.config)
    lines = []
    for r in results:
        sent = f"sent {len(r['sent'])} period(s)" + (f" up to {r['sent'][-1]}" if r["sent"] else "")
        lines.append(f"{r['centre']}: {sent}, {r['waiting']} waiting" +
                     (f" — {r['error']}" if r.get("error") else ""))
    emit(as_json, {"centres": results}, lines or ["No centre is connected to a hub: see `brugerstemmen centre connect`."])
    if any(r["outcome"] == "failed" for r in results):
        sys.exit(1)
