"""A centre's numbers for one period of the grid, as anyone may see them: protected, never raw.

Every output (pages, downloads, the command line, the sync to LVS) asks this module, and this
module shows only what app/disclosure decided a period publishes when it closed: stored then,
and read back as it was, whatever the history behind it.
"""

import hashlib

from . import db, periods, questions
from .disclosure import (
    ANSWERED, BANDS, BOUND, CHOSEN, HIDDEN, N, NOT_CHOSEN, PERTURBATION, PERTURBED, RULE, SHOWN, SMALL, TOP_BAND,
    UNANSWERED, Count, Week, closing_order, layout, publish)

__all__ = ["ANSWERED", "BANDS", "BOUND", "CHOSEN", "Count", "HIDDEN", "NOT_CHOSEN", "PERTURBATION", "PERTURBED", "SHOWN",
           "SMALL",
           "TOP_BAND", "UNANSWERED", "decide_closed", "headline", "importance_extras", "notes", "period_figures",
           "stored_table"]


def _encode(cell):
    return cell if cell == N else "|".join(cell)


def _decode(text):
    return text if text == N else tuple(text.split("|", 1))


def closed_weeks(year, now):
    year_period = periods.Period(year, "year", 0)
    return [periods.Period(year, "week", w) for w in year_period.weeks
            if periods.Period(year, "week", w).closes_at <= now]


def record_key(response_id):
    """A response's record key: a number its random id alone decides, so the same answers always
    give a cell the same key (and the same perturbation), whoever counts them and when."""
    return int.from_bytes(hashlib.blake2b(response_id.encode(), digest_size=4).digest(), "big")


def year_weeks(database, centre_id, year, fields, first=None, last=None):
    """{week key: disclosure.Week} of a year's answers (from week `first` to `last` only, when given)."""
    year_period = periods.Period(year, "year", 0)
    first, last = first or year_period.week_keys[0], last or year_period.week_keys[-1]
    by_name = {field.name: field for field in fields}
    weeks = {}
    current, week, answers = None, None, {}

    def done():
        if current is not None:
            weeks.setdefault(week, Week(fields)).add(record_key(current), answers, fields)

    for iso_week, response_id, question, option in db.year_answers(database, centre_id, first, last):
        if response_id != current:
            done()
            current, week, answers = response_id, iso_week, {}
        field = by_name.get(question)
        if field is None or option not in field.options:  # an option the questions no longer offer: unanswered
            continue
        answers[question] = answers.get(question, frozenset()) | {option} if field.multiple else option
    done()
    return weeks


def decide_closed(database, centre, year, now):
    """Publish every period of `year` that has closed by `now` and is not published yet, once:
    what a period published stays published. A folded year (its answers gone) has nothing new."""
    db.settle(database, now)  # a week that has closed moves into the history first
    closed = closed_weeks(year, now)
    if not closed or db.is_decided(database, centre["id"], closed[-1].key) or db.is_folded(database, centre["id"], year):
        return
    if year in db.uncounted_years(database, centre["id"]):  # a new period's witnesses read the old ones' counts
        _fill_counts(database, centre, year)
    decisions, rules, k = db.published_decisions(database, centre["id"], year)
    k = k or centre["min_cell_size"]  # a year keeps the k it started with: what readers know stays true
    fields = layout(questions.load())
    known = {(period, _decode(cell)): found for (period, cell), found in decisions.items()}
    # Only the weeks under the periods that close now are read: a week's close reads its week.
    pending = [closing for closing in closing_order(closed) if (closing[0].key, N) not in known]
    weeks = year_weeks(database, centre["id"], year, fields, min(c[-1].week_keys[0] for c in pending), closed[-1].key)
    new = publish(fields, weeks, k, known, rules, closed)
    db.save_published(database, centre["id"], {(p, _encode(c)): found for (p, c), found in new.items()}, k, RULE)


def _fill_counts(database, centre, year):
    """Periods decided before counts were stored (by cell suppression: a shown count was the
    true one) get their counts filled in, once, from the answers, or from what folding kept."""
    decisions, _rules, _k = db.published_decisions(database, centre["id"], year)
    missing = [(p, _decode(c)) for (p, c), (status, count) in decisions.items() if status == SHOWN and count is None]
    folded = db.folded_counts(database, centre["id"], year)
    if folded:
        db.store_counts(database, centre["id"], {(p, _encode(c)): folded.get((p, _encode(c)), 0) for p, c in missing})
        return
    fields = layout(questions.load())
    weeks = year_weeks(database, centre["id"], year, fields)
    cells = {}
    for key in {p for p, _ in missing}:
        period = periods.parse(key)
        found = {}
        for week in period.week_keys:
            for cell, tally in (weeks[week].cells(fields) if week in weeks else {}).items():
                found[cell] = found.get(cell, 0) + tally.count
        cells[key] = found
    db.store_counts(database, centre["id"], {(p, _encode(c)): cells[p].get(c, 0) for p, c in missing})


HEADLINE = "importance"  # a trend reads N and this group alone: read first, and alone


class StoredTable:
    """A year's decided periods as they were published, read one period at a time: what each
    cell showed and the number it showed, stored when the period was decided. Nothing is worked
    out again from the answers, so a summary costs the same whatever the history behind it."""

    def __init__(self, database, centre_id, year, folded):
        self._database, self._centre_id, self.year, self.folded = database, centre_id, year, folded
        self._periods, self._headlines, self._rules = {}, {}, {}
        self.k = None

    @property
    def statuses(self):
        # Made when asked, not kept: a table that held it would be a cycle, freed only by the
        # garbage collector's rare full sweeps, and a sync of 200 centres would keep all their years.
        return _Decided(self)

    def _load(self, key, group=None):
        cells, k, rule = db.decided_period(self._database, self._centre_id, key, group)
        self.k = self.k or k
        if rule is not None:
            self._rules[key] = rule
        return {_decode(cell): entry for cell, entry in cells.items()}

    def _cells(self, key, cell):
        """The period's cells that hold `cell`: N and the headline group alone (all a trend
        reads), or, for any other cell, the whole period."""
        if key in self._periods:
            return self._periods[key]
        if cell == N or cell[0] == HEADLINE:
            if key not in self._headlines:
                self._headlines[key] = self._load(key, HEADLINE)
            return self._headlines[key]
        self._periods[key] = self._load(key)
        return self._periods[key]

    def prefetch(self, keys):
        """Read the headline cells of several periods in one go (a trend's twelve)."""
        wanted = [key for key in keys if key not in self._periods and key not in self._headlines]
        if wanted:
            found, rules, k = db.decided_periods(self._database, self._centre_id, wanted, HEADLINE)
            self.k = self.k or k
            self._rules.update(rules)
            self._headlines.update({key: {_decode(cell): entry for cell, entry in cells.items()}
                                    for key, cells in found.items()})

    def status(self, period, cell):
        entry = self._cells(period.key, cell).get(cell)
        return entry[0] if entry else None

    def value(self, period, cell):
        return self._cells(period.key, cell)[cell][1]

    def rule(self, period):
        self._cells(period.key, N)
        return self._rules.get(period.key, RULE)


class _Decided:
    """`(period key, N) in table.statuses`: whether the period was decided."""

    def __init__(self, table):
        self._table = table

    def __contains__(self, key):
        period_key, cell = key
        return cell in self._table._cells(period_key, cell)


def _last_closed_week_of(year, now):
    """The year's last week that has closed by `now` (the last to be decided), or None."""
    latest = periods.last_closed_week(now)
    if latest.year < year:
        return None
    return latest if latest.year == year else periods.Period(year, "week", periods.Period(year, "year", 0).weeks[-1])


def stored_table(database, centre, year, now, decide_new=True):
    """The year's figures, read from what was stored when each period was decided. A period
    that closed since is decided first (once). With decide_new False (a respondent's thank-you
    page must not wait for that) only what is stored is read."""
    if decide_new:
        last = _last_closed_week_of(year, now)
        if last is not None and not db.is_decided(database, centre["id"], last.key):
            decide_closed(database, centre, year, now)
        if year in db.uncounted_years(database, centre["id"]):
            _fill_counts(database, centre, year)
    return StoredTable(database, centre["id"], year, db.is_folded(database, centre["id"], year))


def decided_keys(database, centre, year, now):
    """The year's periods decided by `now` (deciding those that closed since), by key."""
    decide_closed(database, centre, year, now)
    return db.decided_keys(database, centre["id"], year)


def published_counts(database, centre, year, now):
    """Every number the year published, {(period key, cell): count}, deciding what closed since:
    what folding keeps when the answers go."""
    decide_closed(database, centre, year, now)
    decisions, _rules, _k = db.published_decisions(database, centre["id"], year)
    return {key: count for key, (status, count) in decisions.items() if status in (SHOWN, PERTURBED)}


def _count(table, period, cell):
    status = table.status(period, cell) or HIDDEN  # a cell its period never published is withheld
    return Count(status, table.value(period, cell) if status in (SHOWN, PERTURBED) else None, table.k)


def period_figures(table, period, question_set=None):
    """What may be shown for one period; None if the period has not closed yet.

    `breakdown` says whether the period shows its questions at all: not when it has fewer than
    k answers (then its number of answers alone), nor, under cell suppression, when its number
    of answers was withheld. `perturbed`: its counts are perturbed (all but the number of answers)."""
    if (period.key, N) not in table.statuses:
        return None
    question_set = question_set or questions.load()
    total = _count(table, period, N)
    rule = table.rule(period)
    result = {"period": period, "total": total, "k": table.k, "fields": [], "rule": rule, "bound": BOUND,
              "folded": getattr(table, "folded", False),  # its answers are no longer kept
              "breakdown": total.shown and (rule < PERTURBATION or total.value >= table.k),
              "perturbed": rule >= PERTURBATION}
    if not result["breakdown"] or not total.value:
        return result
    for field in question_set.fields():
        if field.kind == "text":
            continue
        if field.multiple:
            answered = _count(table, period, (field.name, ANSWERED))
            rows = [(o, _count(table, period, (f"{field.name}={o.id}", CHOSEN))) for o in field.options]
        else:
            unanswered = _count(table, period, (field.name, UNANSWERED))
            answered = Count(unanswered.status, max(0, total.value - unanswered.value), table.k) if unanswered.shown \
                else Count(HIDDEN, None, table.k)
            rows = [(o, _count(table, period, (field.name, o.id))) for o in field.options]
        # Shares are of everyone who answered the survey in the period: N is always shown
        # when anything is, so a share never needs a withheld denominator.
        result["fields"].append({
            "field": field, "answered": answered,
            "rows": [{"option": o, "count": c, "share": _share(c, total)} for o, c in rows],
            "bands": _bands(table, period, field, total)})
    return result


def _share(count, total):
    return count.value / total.value if count.shown and total.value else None


def _bands(table, period, field, total):
    """A scale's bands as they may be shown; None where the period never published them
    (decided before there were bands) or the field has none."""
    cells = [(field.name, band) for band, _label, _scores in BANDS]
    if field.kind != "scale" or any(table.status(period, cell) is None for cell in cells):
        return None
    return [{"id": band, "label": label, "count": (count := _count(table, period, (field.name, band))),
             "share": _share(count, total)} for band, label, _scores in BANDS]


def notes(result, trend_rows=()):
    """What the reader must be told about this period's numbers: "perturbed" (counts changed a
    little), "too_few" (fewer than k answers: the number alone), "suppressed" ("< k" or dashes of
    cell suppression, in periods decided before), "withheld" (a question not shown)."""
    found = set()
    counts = [row["count"] for item in result["fields"] for row in item["rows"] + (item.get("bands") or [])]
    counts += [row["total"] for row in trend_rows]
    if result["total"].shown and result["total"].value and not result["breakdown"]:
        found.add("too_few")
    if any(count.status == PERTURBED for count in counts) or any(row.get("perturbed") for row in trend_rows):
        found.add("perturbed")  # a trend's shares rest on perturbed counts too
    if any(count.status == SMALL for count in counts) or (result["rule"] < PERTURBATION and any(
            count.status == HIDDEN for count in counts)):
        found.add("suppressed")
    if result["rule"] >= PERTURBATION and any(count.status == HIDDEN for count in counts):
        found.add("withheld")
    return found


def importance_extras(field_figures, total):
    """Share of respondents giving 9 or 10, and the median: computed only from published counts,
    so they give nothing away that the counts do not. The 9-10 band gives the share where the
    scores 9 and 10 alone would not."""
    rows = {r["option"].id: r["count"] for r in field_figures["rows"]}
    median = None
    if all(c.shown for c in rows.values()) and any(c.value for c in rows.values()):
        median = _median(sorted((int(option), c.value) for option, c in rows.items()))
    return _share_top(rows, field_figures.get("bands"), total), median


def _share_top(rows, bands, total):
    top = next((b for b in bands or [] if b["id"] == TOP_BAND), None)
    if top is not None and top["share"] is not None:
        return top["share"]
    if rows["9"].shown and rows["10"].shown and total.value:
        return (rows["9"].value + rows["10"].value) / total.value
    return None


def _median(counted):
    """statistics.median of the scores, [(score, how many)] in order, without writing each one out."""
    size = sum(count for _score, count in counted)

    def nth(index):
        for score, count in counted:
            if index < count:
                return score
            index -= count
        raise IndexError(index)

    return nth(size // 2) if size % 2 else (nth(size // 2 - 1) + nth(size // 2)) / 2


def headline(table, period, question_set=None):
    """(answers, share giving 9 or 10 or None) of a decided period, as period_figures would give
    them, reading only those cells: what a trend needs. None if the period has not closed."""
    if (period.key, N) not in table.statuses:
        return None
    total = _count(table, period, N)
    if not total.shown or (table.rule(period) >= PERTURBATION and total.value < table.k):
        return total, None
    field = next((f for f in (question_set or questions.load()).fields() if f.name == "importance"), None)
    if field is None:
        return total, None
    # As _share_top over the rows and bands period_figures would build, reading only the cells it uses.
    if field.kind == "scale" and all(table.status(period, (field.name, band)) is not None for band, _l, _s in BANDS):
        share = _share(_count(table, period, (field.name, TOP_BAND)), total)
        if share is not None:
            return total, share
    nine, ten = _count(table, period, (field.name, "9")), _count(table, period, (field.name, "10"))
    return total, (nine.value + ten.value) / total.value if nine.shown and ten.shown and total.value else None
