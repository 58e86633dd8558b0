"""What every `brugerstemmen` command stands on: the database as an operator's command opens
it, a centre looked up by slug, and output as lines or as JSON.

The centre's commands (app/cli.py) and the hub's (app/hub/cli.py) both use these; neither
imports the other for them.
"""

import json
import sqlite3

import click
from flask import current_app

from . import clock, db


def open_database():
    """The database, migrated, with older data adopted and any week that has closed moved
    into the history; a broken one ends the command with one line."""
    path = db.path_in(current_app.config["DATA_DIR"])
    try:
        database = db.connect(path)
        db.migrate(database)
        now = clock.now()
        db.adopt_open_weeks(database, now)
        db.settle(database, now)
    except (sqlite3.Error, db.StorageError) as error:
        raise click.ClickException(f"cannot open the database {path}: {error}") from None
    return database


def centre_or_fail(database, slug):
    centre = db.centre_by_slug(database, slug)
    if centre is None:
        known = ", ".join(c["slug"] for c in db.list_centres(database)) or "none yet"
        raise click.ClickException(f"no centre with slug {slug!r} (known: {known}); see `brugerstemmen centre list`")
    return centre


def emit(as_json, data, lines):
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        for line in lines:
            click.echo(line)
