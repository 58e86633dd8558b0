"""What the staff summary says about the sync, and the national figures it shows beside the centre's."""

import datetime
import re

from flask_babel import gettext as _

from .. import db, periods


def sync_status(database, centre, now):
    """None when the centre does not report to a hub; else the newest week the hub has, how
    many closed weeks still wait for it, and since when the hub has been failing, if it has."""
    link = db.hub_link(database, centre["id"])
    if link is None:
        return None
    weeks = {period: acknowledged for period, acknowledged in db.outbox_weeks(database, centre["id"])}
    sent = [period for period, acknowledged in weeks.items() if acknowledged]
    waiting = sum(1 for acknowledged in weeks.values() if not acknowledged)
    # Weeks that closed after the last sync looked are not in the outbox yet, but they wait too.
    last_looked = max(weeks, default=None) or db.first_week(database, centre["id"])
    if last_looked:
        week, last_closed = periods.parse(last_looked).next(), periods.last_closed_week(now)
        if not weeks:
            week = periods.parse(last_looked)
        while week.key <= last_closed.key:
            waiting += 1
            week = week.next()
    failing_since, last_success = link["failing_since"], link["last_success_at"]
    return {"sent_up_to": periods.parse(max(sent)) if sent else None, "waiting": waiting,
            "error": link["last_error"], "plain_error": plain_error(link["last_error"]),
            "failing_since": datetime.datetime.fromtimestamp(failing_since) if failing_since else None,
            "last_success": datetime.datetime.fromtimestamp(last_success) if last_success else None}


def plain_error(error):
    """What the last failed sync means for the staff, and what to do about it (sync.Failure's words)."""
    if not error:
        return None
    if error.startswith("hub unreachable"):
        return _("LVS could not be reached: the network here, or LVS's server, was down. It tries again by itself.")
    refused = re.match(r"the hub refused \((\d{3})\)", error)
    status = int(refused.group(1)) if refused else None
    if status in (401, 403):
        return _("LVS did not accept this centre's key. Ask LVS for a new key, and have it entered again "
                 "(brugerstemmen centre connect).")
    if status in (400, 413, 422):
        return _("LVS could not read the figures sent. Tell whoever runs this installation: an update may be due.")
    return _("LVS's server had a problem of its own. It tries again by itself.")


def national_shares(database, period, version):
    """{(question, answer): share of the answers of the centres in that question's base},
    where the hub gave one; the importance bands come as (importance, band)."""
    figures = db.national(database, period.key, version)
    if not figures:
        return {}
    if "questions" not in figures:  # from a hub before question bases: a base per count
        return {(c["question"], c["answer"]): c["count"] / c["base"] for c in figures["cells"] if c["base"]}
    shares = {}
    for item in figures["questions"] + ([figures["bands"]] if figures.get("bands") else []):
        if item["status"] == "shown" and item["answers"]:
            shares.update({(item["question"], c["answer"]): c["count"] / item["answers"]
                           for c in item["cells"] if c["status"] in ("shown", "perturbed")})
    return shares
