"""The sync client: each connected centre pushes its closed periods' aggregates to the hub.

One round (`brugerstemmen sync`, run by the systemd timer in deploy/) puts the periods decided
since the last round in the outbox, pushes every period the hub has not acknowledged as it
stands, and fetches the national figures of recent periods for the staff summary, once for all
the centres of the installation. A period's figures, once decided, never change (app/figures.py):
so a round builds only what is new or still waiting, from the stored figures, and costs what
changed, not the centre's history. A failure stops that
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
# Raised whenever aggregates.build changes what it sends: the next round then builds every
# period again once, and sends those whose bytes changed.
FORMAT = "1"


class Failure(Exception):
    """The hub did not take a request; the message is for the staff page and the operator."""


class Unreachable(Failure):
    """No answer from the hub at all: the other centres of this run do not wait for it again."""


def current_aggregates(database, centre):
    """{(period key, question-set version): aggregate} for every closed period of the centre.
    Deciding what closed since comes first."""
    return _aggregates(database, centre)[0]


def _aggregates(database, centre, wanted=None):
    """The aggregates of the periods `wanted(key)` says (every one without it), and the keys of
    every decided period (for the national figures). A year whose shown counts are being filled
    in (decided before counts were stored) has all its periods built again: their bytes change once."""
    question_set = questions.load()
    first = db.first_week(database, centre["id"])
    if first is None:
        return {}, []
    result, decided = {}, []
    now = clock.now()
    uncounted = db.uncounted_years(database, centre["id"])
    for year in range(int(first[:4]), now.year + 1):
        filling = year in uncounted
        keys = figures.decided_keys(database, centre, year, now)
        decided += keys
        build = keys if (wanted is None or filling) else [key for key in keys if wanted(key)]
        if not build:
            continue  # nothing new this year: its stored figures are not even read
        table = figures.stored_table(database, centre, year, now, decide_new=filling)
        for key in build:
            result[(key, question_set.version)] = aggregates.build(table, periods.parse(key), question_set)
    return result, decided


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
        raise Unreachable(f"hub unreachable: {reason}") from None


def backoff_seconds(failures, base, ceiling):
    """After the n-th failure in a row: base·2ⁿ⁻¹ capped at the ceiling, then a random part of
    it taken off (up to half) so that centres do not retry in step."""
    delay = min(ceiling, base * 2 ** max(failures - 1, 0))
    # Not a secret: jitter.
    return delay * random.uniform(0.5, 1.0)  # nosec B311


def sync_centre(database, link, config, now=None, run=None):
    """One round for one centre; what happened, as a dict for `sync --json`.

    run: what this run has learnt so far, shared by the centres of the installation: the hubs
    found unreachable (a hub that does not answer costs one timeout a run, not one for each of its
    centres) and, per hub, the periods whose national figures to fetch once all have pushed.
    Without a run, the centre's own national figures are fetched at the end of its round."""
    alone = run is None
    run = run if run is not None else Run()
    now = int(now if now is not None else time.time())
    centre = db.centre_by_slug(database, link["slug"])
    version = questions.load().version
    outbox = db.outbox_state(database, centre["id"], version)  # {period: acknowledged as it stands}
    rebuild = db.outbox_format(database, centre["id"]) != FORMAT
    current, decided = _aggregates(database, centre, wanted=None if rebuild else lambda key: not outbox.get(key, False))
    db.refresh_outbox(database, centre["id"], {key: aggregates.digest(a) for key, a in current.items()})
    if rebuild:
        db.set_outbox_format(database, centre["id"], FORMAT)
    pending = [(p, v, d) for p, v, d in db.waiting(database, centre["id"]) if (p, v) in current]
    report = {"centre": centre["slug"], "hub": link["hub_url"], "sent": [], "outcome": "ok"}
    if link["next_attempt_at"] > now:  # backing off: not even for national figures
        report.update(outcome="waiting", retry_at=link["next_attempt_at"], error=link["last_error"])
    else:
        try:
            if link["hub_url"] in run.unreachable:
                raise Unreachable(run.unreachable[link["hub_url"]])
            for period, question_set, digest in pending:
                request(link, "POST", "/api/v1/aggregates", aggregates.encode(current[(period, question_set)]))
                db.acknowledge(database, centre["id"], period, question_set, digest)
                report["sent"].append(period)
            # Whether the staff write back to their users: a yes or no for LVS, never the text;
            # sent when it changes.
            status = aggregates.encode({"publishes_replies": db.latest_reply(database, centre["id"]) is not None})
            if status.decode() != db.status_sent(database, centre["id"]):
                request(link, "POST", "/api/v1/status", status)
            db.record_sync_success(database, centre["id"], now, status.decode())
            run.decided.setdefault(link["hub_url"], (link, set()))[1].update(decided)
        except Failure as failure:
            if isinstance(failure, Unreachable):
                run.unreachable.setdefault(link["hub_url"], str(failure))
            _failed(database, link, config, now, failure, report)
    report["waiting"] = len([1 for _p, v, _d in db.waiting(database, centre["id"]) if v == version])
    if alone:
        fetch_national(database, run, config, now, {centre["slug"]: report})
    return report


def fetch_national(database, run, config, now, reports):
    """The national figures of the most recent closed periods, kept for the staff summary:
    fetched once a run from each hub, after every centre has pushed (so they count them all),
    through a centre whose round went through. A failure counts against that centre's link."""
    version = questions.load().version
    for _hub, (link, decided) in run.decided.items():
        by_level = {}
        for key in sorted(decided, reverse=True):
            level = periods.parse(key).level
            if len(by_level.setdefault(level, [])) < RECENT[level]:
                by_level[level].append(key)
        try:
            for key in [item for items in by_level.values() for item in items]:
                db.save_national(database, key, version, request(link, "GET", f"/api/v1/national/{key}?question_set={version}"))
        except Failure as failure:
            _failed(database, link, config, now, failure, reports[link["slug"]])


def _failed(database, link, config, now, failure, report):
    """A failed round backs off, and its report says why and until when."""
    retry_at = now + int(backoff_seconds(link["failures"] + 1, config["SYNC_BACKOFF_SECONDS"],
                                         config["SYNC_MAX_BACKOFF_SECONDS"]))
    db.record_sync_failure(database, link["centre_id"], now, retry_at, str(failure))
    report.update(outcome="failed", error=str(failure), retry_at=retry_at)


class Run:
    def __init__(self):
        self.unreachable = {}  # hub url: why
        self.decided = {}  # hub url: (a link to it whose round went through, decided period keys)


def sync_all(database, config, now=None):
    now = int(now if now is not None else time.time())
    run = Run()
    reports = {link["slug"]: sync_centre(database, link, config, now, run) for link in db.hub_links(database)}
    fetch_national(database, run, config, now, reports)
    return list(reports.values())
