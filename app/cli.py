"""The `brugerstemmen` command: what an operator does from a terminal.

Operator mistakes end with one line saying what to do, and a non-zero exit.
"""

import os
import re
import sys
import unicodedata

import click
from flask import current_app
from flask.cli import FlaskGroup
from flask_babel import force_locale

from . import accounts, backups, clock, config, db, demo, exports, figures, kiosk_pin, links, periods, retention, server
from .commands import centre_or_fail, emit, open_database
from .plain_text import control_characters
from .hub.cli import centre_connect, hub, sync
from .staff.views import INVITE_TTL_HOURS, download_extras


def _create_app():
    from . import create_app

    try:
        return create_app()
    except config.ConfigError as error:
        raise click.ClickException(str(error)) from None


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False,
             add_version_option=False, load_dotenv=False, set_debug_flag=False)
def cli():
    """Brugerstemmen: anonymous user voice for drop-in centres.

    Settings come from the environment: BRUGERSTEMMEN_DATA_DIR (default: instance/),
    BRUGERSTEMMEN_BASE_URL (the address in links and QR codes) and BRUGERSTEMMEN_SECRET_KEY.
    """


# FlaskGroup's --app, --env-file and --debug belong to Flask development, not to operators.
cli.params = [p for p in cli.params if p.name not in {"app", "env_file", "debug"}]


def main():
    # Every file an operator's command or the server makes is its owner's alone: the database,
    # its WAL, the open weeks, backups, the secret key.
    os.umask(0o077)
    cli.main(prog_name="brugerstemmen")


@cli.command()
def init():
    """Create the database, or bring its schema up to date (safe to repeat)."""
    database = open_database()
    click.echo(f"Database ready: {db.path_in(current_app.config['DATA_DIR'])}")
    click.echo(f"Schema migrations applied: {', '.join(db.applied_migrations(database))}")


@cli.group()
def centre():
    """Add and list centres, rotate their QR token, pair kiosk tablets."""


SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")


def slugify(name):
    name = name.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")[:60].strip("-")


def _centre_info(centre, pairing_token=None):
    svg, png = links.write_qr_files(links.survey_url(centre), centre["slug"])
    info = {"slug": centre["slug"], "name": centre["name"], "survey_url": links.survey_url(centre),
            "short_url": links.short_url(centre), "qr_svg": str(svg), "qr_png": str(png)}
    if pairing_token:
        info["kiosk_pairing_url"] = links.pairing_url(pairing_token)
    return info


def _centre_lines(info):
    lines = [f"  Phone survey:   {info['survey_url']}", f"  Short address:  {info['short_url']}  (printed under the QR code)"]
    if "kiosk_pairing_url" in info:
        hours = current_app.config["PAIRING_TTL_HOURS"]
        lines.append(f"  Kiosk pairing:  {info['kiosk_pairing_url']}  (opens once, within {hours} hours)")
    lines.append(f"  QR code files:  {info['qr_svg']}, {info['qr_png']}")
    return lines


@centre.command("add")
@click.argument("name")
@click.option("--slug", help="Short name used by other commands (default: made from NAME).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def centre_add(name, slug, as_json):
    """Add a centre, write its QR code (SVG and PNG) and print its links."""
    name = name.strip()
    if not name:
        raise click.ClickException("the centre needs a name")
    if control_characters(name):
        raise click.ClickException("the centre's name has a control character in it; type it again without")
    slug = slug or slugify(name)
    if not SLUG_PATTERN.match(slug):
        raise click.ClickException(f"{slug!r} is not a usable slug: use a-z, 0-9 and dashes, e.g. --slug cafe-nord")
    database = open_database()
    try:
        created = db.create_centre(database, name, slug)
    except db.CentreExists:
        raise click.ClickException(f"a centre with slug {slug!r} already exists; choose another with --slug") from None
    token = db.create_pairing(database, created["id"], current_app.config["PAIRING_TTL_HOURS"])
    info = _centre_info(created, token)
    emit(as_json, info, [f"Added centre {name!r} (slug: {slug})", *_centre_lines(info)])


@centre.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
def centre_list(as_json):
    """List the centres with their slugs and survey links."""
    centres = db.list_centres(open_database())
    data = [{"slug": c["slug"], "name": c["name"], "survey_url": links.survey_url(c),
             "paired_kiosks": c["kiosk_count"]} for c in centres]
    lines = [f"{c['slug']}\t{c['name']}\t{c['survey_url']}\t{c['paired_kiosks']} kiosk(s)" for c in data]
    emit(as_json, data, lines or ["No centres yet: add one with `brugerstemmen centre add NAME`."])


@centre.command("rotate-token")
@click.argument("slug")
def centre_rotate_token(slug):
    """Give a centre a new survey link and QR code; the old ones stop working."""
    database = open_database()
    centre_or_fail(database, slug)
    info = _centre_info(db.rotate_survey_token(database, slug))
    click.echo(f"New survey link for {slug}; printed posters with the old QR code no longer work.")
    for line in _centre_lines(info):
        click.echo(line)


@centre.command("pair-kiosk")
@click.argument("slug")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def centre_pair_kiosk(slug, as_json):
    """Make a one-time link that sets up a tablet as this centre's kiosk."""
    database = open_database()
    found = centre_or_fail(database, slug)
    token = db.create_pairing(database, found["id"], current_app.config["PAIRING_TTL_HOURS"])
    url = links.pairing_url(token)
    hours = current_app.config["PAIRING_TTL_HOURS"]
    emit(as_json, {"slug": slug, "kiosk_pairing_url": url, "valid_hours": hours},
          [f"Open this link once on the tablet, within {hours} hours:", f"  {url}"])


@centre.command("kiosk-pin")
@click.argument("slug")
@click.option("--pin-stdin", is_flag=True, required=True, help="Read the PIN (4 to 8 digits) from standard input.")
def centre_kiosk_pin(slug, pin_stdin):
    """Set the PIN staff type to leave this centre's kiosk (hold the centre's name on its start screen)."""
    database = open_database()
    found = centre_or_fail(database, slug)
    pin = sys.stdin.readline().strip()
    try:
        kiosk_pin.set_pin(database, found, pin)
    except ValueError as reason:
        raise click.ClickException(f"PIN refused: {reason}") from None
    click.echo(f"The kiosk PIN of {slug} is set.")


@centre.command("kiosks")
@click.argument("slug")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
def centre_kiosks(slug, as_json):
    """List the tablets paired as this centre's kiosk, with the day each was paired and last on."""
    database = open_database()
    kiosks = db.kiosks_of(database, centre_or_fail(database, slug)["id"])
    emit(as_json, kiosks, [f"{k['id']}\t{k['nickname']}\tpaired {k['paired_on'] or 'before days were kept'}\t"
                           f"last on {k['last_seen_on'] or 'not yet'}" for k in kiosks] or ["No tablets are paired."])


@centre.command("revoke-kiosk")
@click.argument("slug")
@click.argument("kiosk_id")
def centre_revoke_kiosk(slug, kiosk_id):
    """Unpair a tablet (a lost one, say): it can no longer send answers."""
    database = open_database()
    found = centre_or_fail(database, slug)
    if not db.revoke_kiosk(database, found["id"], kiosk_id):
        raise click.ClickException(f"no tablet {kiosk_id!r} at {slug}; see `brugerstemmen centre kiosks {slug}`")
    click.echo(f"Tablet {kiosk_id} is no longer paired with {slug}; it now shows 'not set up'.")


@cli.command("demo")
def demo_centre():
    """Prepare a demo centre with 12 weeks of realistic answers (safe to repeat)."""
    database = open_database()
    found, created = demo.ensure_demo(database, clock.now(), current_app.config["LANGUAGES"])
    token = db.create_pairing(database, found["id"], current_app.config["PAIRING_TTL_HOURS"])
    info = _centre_info(found, token)
    click.echo(f"{'Prepared' if created else 'Using'} the demo centre {found['name']!r} "
               f"with {demo.WEEKS} weeks of answers (slug: {found['slug']})")
    for line in _centre_lines(info):
        click.echo(line)
    password = demo.demo_staff_password(database, found)
    click.echo(f"  Staff login:    {links.public_url('staff.login')}  e-mail {demo.DEMO_STAFF}, password {password}")
    kiosk_pin.set_pin(database, found, demo.DEMO_KIOSK_PIN)
    click.echo(f"  Kiosk exit:     hold the centre's name on the kiosk start screen, PIN {demo.DEMO_KIOSK_PIN}")
    # Deciding which numbers may be shown takes a few seconds once; do it now, not on first view.
    now = clock.now()
    figures.decide_closed(database, found, periods.last_closed_week(now).year, now)
    click.echo("Phone survey QR code (for phones on your network, set BRUGERSTEMMEN_BASE_URL "
               "to an address they can reach, such as http://192.168.1.20:8080):")
    click.echo(links.terminal_qr(info["survey_url"]))


@cli.group()
def staff():
    """Staff accounts: who may sign in, and at which centres."""


@staff.command("add")
@click.argument("email")
@click.option("--centre", "slug", help="The centre this person works at.")
@click.option("--role", type=click.Choice(["staff", "admin"]), default="staff", show_default=True,
              help="staff sees summaries; admin also changes settings and the team.")
@click.option("--site-admin", is_flag=True, help="May open every centre of this installation.")
@click.option("--hub-admin", is_flag=True, help="LVS staff: may open the hub's national dashboard and register centres.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input; "
              "without it, print a one-time link where the person chooses one.")
def staff_add(email, slug, role, site_admin, hub_admin, password_stdin):
    """Give someone a staff account, or another centre."""
    email = email.strip()
    if not re.match(accounts.EMAIL_PATTERN, email):
        raise click.ClickException(f"{email!r} is not an e-mail address")
    if not slug and not site_admin and not hub_admin:
        raise click.ClickException("say where this person works: --centre SLUG (or --site-admin, --hub-admin)")
    database = open_database()
    found = centre_or_fail(database, slug) if slug else None
    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        try:
            accounts.check_new_password(password, email)
        except accounts.PasswordRejected as reason:
            raise click.ClickException(f"password refused: {reason}") from None
    person = db.staff_by_email(database, email)
    if person is None:
        person = db.create_staff(database, email, site_admin=site_admin)
    elif password and person["password_hash"]:
        raise click.ClickException(f"{email} already has a password; they change it themselves when signed in")
    elif not person["password_hash"]:
        db.forget_password_links(database, person["id"])  # made before these powers: they must not open them
    if password:
        db.set_password(database, person["id"], accounts.hash_password(password))
    if site_admin:
        db.make_site_admin(database, person["id"])
    if hub_admin:
        db.make_hub_admin(database, person["id"])
    if found:
        db.set_membership(database, person["id"], found["id"], role)
        click.echo(f"{email} is {role} at {found['slug']}")
    if site_admin:
        click.echo(f"{email} is site admin: every centre of this installation")
    if hub_admin:
        where = (links.public_url("hub.dashboard") if "hub.dashboard" in current_app.view_functions
                 else "the hub's installation (BRUGERSTEMMEN_ROLE=hub or both)")
        click.echo(f"{email} is hub admin: the national dashboard at {where}")
    if not password and not db.staff_by_id(database, person["id"])["password_hash"]:
        token = db.create_invite(database, person["id"], None, None, sets_password=True, ttl_hours=INVITE_TTL_HOURS)
        click.echo(f"Give {email} this one-time link to choose a password (valid {INVITE_TTL_HOURS // 24} days):")
        click.echo(f"  {links.public_url('staff.accept_invite', token=token)}")
    click.echo(f"Staff sign in at {links.public_url('staff.login')}")


@staff.command("list")
@click.option("--centre", "slug", help="Only the team of this centre.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
def staff_list(slug, as_json):
    """List staff accounts and the centres they work at."""
    database = open_database()
    centres = [centre_or_fail(database, slug)] if slug else db.list_centres(database)
    rows = [{"email": m["email"], "centre": c["slug"], "role": m["role"], "active": bool(m["active"])}
            for c in centres for m in db.team_of(database, c["id"])]
    lines = ["\t".join([r["email"], r["centre"], r["role"], "active" if r["active"] else "invited"]) for r in rows]
    emit(as_json, rows, lines or ["No staff yet: add someone with `brugerstemmen staff add EMAIL --centre SLUG`."])


@staff.command("sign-out")
@click.argument("email")
def staff_sign_out(email):
    """End every session of a staff account at once (a lost phone, a shared computer)."""
    database = open_database()
    person = db.staff_by_email(database, email.strip())
    if person is None:
        raise click.ClickException(f"no staff account has the e-mail {email!r}; see `brugerstemmen staff list`")
    db.end_sessions(database, person["id"])
    click.echo(f"{person['email']} is signed out on every device")


@cli.command("summary")
@click.option("--centre", "slug", required=True, help="The centre's slug.")
@click.option("--week", help="An ISO week, e.g. 2026-W48 (default: the last full week).")
@click.option("--period", help="A period of the grid instead: 2026-B12, 2026-Q4 or 2026.")
@click.option("--format", "file_format", type=click.Choice(sorted(exports.FORMATS)), default="csv", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), help="File to write (default: "
              "brugerstemmen-SLUG-PERIOD.FORMAT here).")
@click.option("--language", type=click.Choice(["da", "en"]), default="da", show_default=True)
def summary(slug, week, period, file_format, output, language):
    """Write a closed period's summary, with the same protected numbers staff see."""
    database = open_database()
    found = centre_or_fail(database, slug)
    if week and period:
        raise click.ClickException("give --week or --period, not both")
    try:
        chosen = periods.parse(week or period) if (week or period) else periods.last_closed_week(clock.now())
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    if week and chosen.level != "week":
        raise click.ClickException(f"{week!r} is not a week; use --period for longer periods")
    result = figures.period_figures(figures.stored_table(database, found, chosen.year, clock.now()), chosen)
    if result is None:
        raise click.ClickException(f"{chosen.key} has not ended yet; its numbers exist once it has")
    with current_app.test_request_context(), force_locale(language):
        body = {"csv": exports.to_csv, "xlsx": exports.to_xlsx, "pdf": exports.to_pdf}[file_format](
            found, result, download_extras(found, chosen, result))
    path = output or exports.filename(found, chosen, file_format)
    try:
        with open(path, "wb") as handle:
            handle.write(body)
    except OSError as error:
        raise click.ClickException(f"cannot write {path}: {error.strerror}") from None
    click.echo(f"Wrote {path}")


@cli.command("backup")
@click.argument("dest", type=click.Path(file_okay=False))
@click.option("--keep", default=14, show_default=True, type=click.IntRange(1, 3650),
              help="How many copies to keep in DEST; older ones are deleted.")
def backup(dest, keep):
    """Copy the database into the folder DEST while the server runs (weeks not yet closed are
    left out, so copies side by side never show which day an answer came)."""
    if db.path_in(current_app.config["DATA_DIR"]).exists():
        open_database().close()  # a week that has closed moves into the history, and so into the copy
    try:
        now = clock.now()
        copy, deleted = backups.make_backup(current_app.config["DATA_DIR"], dest, keep, now)
    except backups.BackupError as reason:
        raise click.ClickException(str(reason)) from None
    click.echo(f"Wrote {copy} (up to week {backups.first_open_week(now)}, not included)"
               + (f"; deleted {len(deleted)} older {'copy' if len(deleted) == 1 else 'copies'}" if deleted else ""))


@cli.command("restore")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Replace an existing database (it is kept beside the new one).")
def restore(file, force):
    """Put a backup in place of the database, after checking that it is intact."""
    try:
        kept = backups.restore(current_app.config["DATA_DIR"], file, force)
    except backups.BackupError as reason:
        raise click.ClickException(str(reason)) from None
    click.echo(f"Restored {file}." + (f" The database it replaced is kept as {kept}: it holds every answer and "
                                       "message it had, so delete it once you are sure." if kept else "")
               + " Start the server again.")


@cli.command("decide")
def decide():
    """Decide, for every centre, what every closed period publishes (what staff pages and the
    sync otherwise do on first use), so no one waits for it later."""
    database = open_database()
    centres = db.list_centres(database)
    now = clock.now()
    for found in centres:
        for year in sorted({periods.last_closed_week(now).year, now.year}):
            figures.decide_closed(database, found, year, now)
    click.echo(f"Decided every closed period of {len(centres)} {'centre' if len(centres) == 1 else 'centres'}.")


@cli.command("purge")
@click.option("--dry-run", is_flag=True, help="Only print what would be deleted.")
def purge(dry_run):
    """Delete, for good, messages and raw answers past each centre's retention (answers only
    once their year is folded into the counts it published)."""
    database = open_database()
    now = clock.now()
    found = retention.plan(database, now) if dry_run else retention.purge(
        database, db.path_in(current_app.config["DATA_DIR"]), now)
    verb = "would delete" if dry_run else "deleted"
    for item in found:
        if item.messages or dry_run:
            click.echo(f"{item.slug}: {verb} {item.messages} message{'s' if item.messages != 1 else ''} "
                       f"from before {item.before_week}")
        if item.answers:
            click.echo(f"{item.slug}: {'would fold' if dry_run else 'folded'} {item.answers} answers from before "
                       f"{item.answers_before} into their years' published counts and {verb} them")
    if not any(item.messages or item.answers for item in found):
        click.echo("Nothing has outlived its keeping.")
    if not dry_run:  # failed logins nobody waits for any more
        throttle = db.open_throttle(db.throttle_path(current_app.config["DATA_DIR"]))
        accounts.forget_old_failures(throttle)
        throttle.close()


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=server.default_workers(), show_default=True, type=click.IntRange(1, 64))
def serve(host, port, workers):
    """Run the real server (gunicorn); it writes no access log."""
    open_database().close()  # migrate before forking; workers open their own connections
    warning = db.file_times.copy_on_write_warning(current_app.config["DATA_DIR"])
    if warning:
        click.echo(warning, err=True)
    server.run(host, port, workers, runtime_dir=current_app.config["RUNTIME_DIR"])


# The hub's commands live beside the hub (app/hub/cli.py).
cli.add_command(hub)
cli.add_command(sync)
centre.add_command(centre_connect)
