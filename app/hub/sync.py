"""The sync client: each connected centre pushes its closed periods' aggregates to the hub.

One round (`brugerstemmen sync`, run by the systemd timer in deploy/) refreshes the outbox
from the answers, pushes every period the hub has not acknowledged as it stands now, and
fetches the national figures of recent periods for the staff summary. A failure stops that
centre's round and backs off exponentially, with jitter so that many centres coming back
after a hub outage do not all knock at once. Nothing is lost: the next round finds the same
periods waiting, and a repeat push replaces the earlier one at the hub, never adds to it.
"""

import json
import random
import time
import urllib.error
import urllib.parse
import urllib.request

from .. import clock, db, figures, periods, questions
from . import aggregates, signing

TIMEOUT_SECONDS = 20
RECENT = {"week": 13, "block": 4, "quarter": 4, "year": 2}  # national figures kept fresh


class Failure(Exception):
    """The hub did not take a request; the message is for the staff page and the operator."""


def current_aggregates(database, centre):
    """{(period key, question-set version): aggregate} for every closed period of the centre."""
    question_set = questions.load()
    first = db.first_week(database, centre["id"])
    if first is None:
        return {}
    result = {}
    now = clock.now()
    for year in range(int(first[:4]), now.year + 1):
        keys = figures.decided_keys(database, centre, year, now)
        table = figures.stored_table(database, centre, year, now, decide_new=False)
        for key in keys:
            result[(key, question_set.version)] = aggregates.build(table, periods.parse(key), question_set)
    return result


def request(link, method, path, body=b""):
    """A signed request to the link's hub; the decoded JSON answer, or Failure."""
    url = link["hub_url"].rstrip("/") + path
    # The path as called, with the hub's prefix if it has one (https://lvs.example/hub/...).
    called = urllib.parse.urlsplit(url)
    headers = signing.sign(link["hub_centre_id"], link["key"], method,
                           called.path + (f"?{called.query}" if called.query else ""), body)
    headers["Content-Type"] = "application/json"
    try:
        # Not a file URL: hub_url is checked to be http(s) by `centre connect`.
        with urllib.request.urlopen(urllib.request.Request(url, data=body or None, method=method, headers=headers),  # nosec B310
                                    timeout=TIMEOUT_SECONDS) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        try:
            message = json.loads(error.read()).get("error", "")
        except ValueError:
            message = ""
        raise Failure(f"the hub refused ({error.code}): {message}".rstrip(": ")) from None
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        raise Failure(f"hub unreachable: {reason}") from None


def backoff_seconds(failures, base, ceiling):
    """After the n-th failure in a row: base·2ⁿ⁻¹ capped at the ceiling, then a random part of
    it taken off (up to half) so that centres do not retry in step."""
    delay = min(ceiling, base * 2 ** max(failures - 1, 0))
    # Not a secret: jitter.
    return delay * random.uniform(0.5, 1.0)  # nosec B311


def sync_centre(database, link, config, now=None):
    """One round for one centre; what happened, as a dict for `sync --json`."""
    now = int(now if now is not None else time.time())
    centre = db.centre_by_slug(database, link["slug"])
    current = current_aggregates(database, centre)
    db.refresh_outbox(database, centre["id"], {key: aggregates.digest(a) for key, a in current.items()})
    pending = [(p, v, d) for p, v, d in db.waiting(database, centre["id"]) if (p, v) in current]
    report = {"centre": centre["slug"], "hub": link["hub_url"], "sent": [], "outcome": "ok"}
    if link["next_attempt_at"] > now:  # backing off: not even for national figures
        report.update(outcome="waiting", retry_at=link["next_attempt_at"], error=link["last_error"])
    else:
        try:
            for period, version, digest in pending:
                request(link, "POST", "/api/v1/aggregates", aggregates.encode(current[(period, version)]))
                db.acknowledge(database, centre["id"], period, version, digest)
                report["sent"].append(period)
            # Whether the staff write back to their users: a yes or no for LVS, never the text.
            request(link, "POST", "/api/v1/status", aggregates.encode(
                {"publishes_replies": db.latest_reply(database, centre["id"]) is not None}))
            _fetch_national(database, link, current)
            db.record_sync_success(database, centre["id"], now)
        except Failure as failure:
            failures = link["failures"] + 1
            retry_at = now + int(backoff_seconds(failures, config["SYNC_BACKOFF_SECONDS"],
                                                 config["SYNC_MAX_BACKOFF_SECONDS"]))
            db.record_sync_failure(database, centre["id"], now, retry_at, str(failure))
            report.update(outcome="failed", error=str(failure), retry_at=retry_at)
    report["waiting"] = len([1 for p, v, _ in db.waiting(database, centre["id"]) if (p, v) in current])
    return report


def _fetch_national(database, link, current):
    """The national figures of the most recent closed periods, kept for the staff summary."""
    by_level = {}
    for key, version in sorted(current, reverse=True):
        level = periods.parse(key).level
        if len(by_level.setdefault(level, [])) < RECENT[level]:
            by_level[level].append((key, version))
    for key, version in [item for items in by_level.values() for item in items]:
        figures_ = request(link, "GET", f"/api/v1/national/{key}?question_set={version}")
        db.save_national(database, key, version, figures_)


def sync_all(database, config, now=None):
    return [sync_centre(database, link, config, now) for link in db.hub_links(database)]
