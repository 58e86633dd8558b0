"""A centre's numbers for one period of the grid, as anyone may see them: suppressed, never raw.

Every output (pages, downloads, the command line, the sync to LVS) asks this module, and this
module shows a count only where suppression.py decided it may be shown.
"""

import dataclasses
from dataclasses import dataclass

from . import db, periods, questions
from .suppression import HIDDEN, N, SHOWN, SMALL, Table, closing_order, decide

UNANSWERED, ANSWERED, CHOSEN, NOT_CHOSEN = "unanswered", "answered", "chosen", "not_chosen"
# A scale's bands: sums a centre publishes beside the scores, decided with them. A band stays
# publishable where single scores are small, so the centre can set its bands beside the
# national ones, and the 9-10 band is the headline "gave the place 9 or 10".
BANDS = (("1_6", "1–6", tuple(str(n) for n in range(1, 7))),
         ("7_8", "7–8", ("7", "8")),
         ("9_10", "9–10", ("9", "10")))
TOP_BAND = "9_10"


def groups_for(question_set):
    """The groups of categories that add up to N, for every field of the question set.

    A single choice: its options and "unanswered". A multiple choice: "answered" (at least one
    option) against "unanswered", and for each option "chosen" against "not chosen".
    """
    groups = {}
    for field in question_set.fields():
        if field.kind == "text":
            continue
        if field.multiple:
            groups[field.name] = [ANSWERED, UNANSWERED]
            for option in field.options:
                groups[f"{field.name}={option.id}"] = [CHOSEN, NOT_CHOSEN]
        else:
            groups[field.name] = [o.id for o in field.options] + [UNANSWERED]
    return groups


def sums_for(question_set):
    """The sums of categories published beside them, {(field, band): [option ids]}: a scale's bands."""
    return {(field.name, band): list(scores) for field in question_set.fields() if field.kind == "scale"
            for band, _label, scores in BANDS}


def layout_for(question_set):
    return {"groups": groups_for(question_set), "sums": sums_for(question_set)}


def _week_cells(raw, question_set):
    n = raw["N"]
    cells = {N: n}
    for field in question_set.fields():
        if field.kind == "text":
            continue
        if field.multiple:
            answered = raw["answered"].get(field.name, 0)
            cells[(field.name, ANSWERED)] = answered
            cells[(field.name, UNANSWERED)] = n - answered
            for option in field.options:
                chosen = raw["options"].get((field.name, option.id), 0)
                cells[(f"{field.name}={option.id}", CHOSEN)] = chosen
                cells[(f"{field.name}={option.id}", NOT_CHOSEN)] = n - chosen
        else:
            counts = [raw["options"].get((field.name, o.id), 0) for o in field.options]
            for option, count in zip(field.options, counts, strict=True):
                cells[(field.name, option.id)] = count
            cells[(field.name, UNANSWERED)] = n - sum(counts)
    for cell, parts in sums_for(question_set).items():
        cells[cell] = sum(cells[(cell[0], part)] for part in parts)
    return cells


def shown_counts(table):
    """Every count a decided year shows, {(period key, encoded cell): count}: what folding keeps."""
    return {(period_key, _encode(cell)): table.value(periods.parse(period_key), cell)
            for (period_key, cell), status in table.statuses.items() if status == SHOWN}


def _encode(cell):
    return cell if cell == N else "|".join(cell)


def _decode(text):
    return text if text == N else tuple(text.split("|", 1))


def closed_weeks(year, now):
    year_period = periods.Period(year, "year", 0)
    return [periods.Period(year, "week", w) for w in year_period.weeks
            if periods.Period(year, "week", w).closes_at <= now]


@dataclass
class FoldedTable(Table):
    """A closed year whose raw answers are gone: its decisions, and the counts it showed."""

    shown: dict = dataclasses.field(default_factory=dict)  # (period key, cell) -> count
    folded = True

    def value(self, period, cell):
        return self.shown[(period.key, cell)]


def decided_table(database, centre, year, k, now, decide_new=True):
    """The year's counts with every period closed by `now` (the app's calendar) decided, deciding
    any that are new unless decide_new is False: a respondent's thank-you page must not wait
    seconds for that."""
    question_set = questions.load()
    if decide_new:
        db.settle(database, now)  # a week that has closed moves into the history first
    layout = layout_for(question_set)
    decided, decided_k = db.published_statuses(database, centre["id"], year)
    rules = db.published_rules(database, centre["id"], year)
    known = {(period, _decode(cell)): status for (period, cell), status in decided.items()}
    folded = db.folded_counts(database, centre["id"], year)
    if folded:
        return FoldedTable(k=decided_k, weeks={}, statuses=known, rules=rules, **layout,
                           shown={(p, _decode(c)): count for (p, c), count in folded.items()})
    year_period = periods.Period(year, "year", 0)
    raw = db.weekly_counts(database, centre["id"], year_period.week_keys[0], year_period.week_keys[-1])
    empty = {"N": 0, "options": {}, "answered": {}}
    weeks = {key: _week_cells(raw.get(key, empty), question_set) for key in year_period.week_keys}
    # A year keeps the k it started with: bounds the reader already knows must stay true.
    table = Table(k=decided_k or k, weeks=weeks, statuses=known, rules=rules, **layout)
    new = {}
    for closing in closing_order(closed_weeks(year, now) if decide_new else []):
        if (closing[0].key, N) in table.statuses:
            continue
        before = set(table.statuses)
        decide(table, closing)
        new.update({key: table.statuses[key] for key in set(table.statuses) - before})
    if new:
        # The values shown are stored with the decision: a summary reads them (stored_table).
        db.save_published(database, centre["id"], {(p, _encode(c)): s for (p, c), s in new.items()}, table.k,
                          rules={p: table.rule(periods.parse(p)) for p, _ in new},
                          counts={(p, _encode(c)): table.value(periods.parse(p), c)
                                  for (p, c), s in new.items() if s == SHOWN})
    return table


class _Decided:
    """`(period key, N) in table.statuses`, for a StoredTable: whether the period was decided."""

    def __init__(self, table):
        self._table = table

    def __contains__(self, key):
        period_key, cell = key
        return cell in self._table._cells(period_key, cell)


HEADLINE = "importance"  # a trend reads N and this group alone: read first, and alone


class StoredTable:
    """A year's decided periods as they were published, read one period at a time: what each
    cell showed and the count it showed, stored when the period was decided. Nothing is worked
    out again from the answers, so a summary costs the same whatever the history behind it."""

    def __init__(self, database, centre_id, year, folded):
        self._database, self._centre_id, self.year, self.folded = database, centre_id, year, folded
        self._periods, self._headlines = {}, {}
        self.k = None
        self.statuses = _Decided(self)

    def _load(self, key, group=None):
        cells, k = db.decided_period(self._database, self._centre_id, key, group)
        self.k = self.k or k
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
            found, k = db.decided_periods(self._database, self._centre_id, wanted, HEADLINE)
            self.k = self.k or k
            self._headlines.update({key: {_decode(cell): entry for cell, entry in cells.items()}
                                    for key, cells in found.items()})

    def status(self, period, cell):
        entry = self._cells(period.key, cell).get(cell)
        return entry[0] if entry else None

    def value(self, period, cell):
        return self._cells(period.key, cell)[cell][1]


def _last_closed_week_of(year, now):
    """The year's last week that has closed by `now` (the last to be decided), or None."""
    latest = periods.last_closed_week(now)
    if latest.year < year:
        return None
    return latest if latest.year == year else periods.Period(year, "week", periods.Period(year, "year", 0).weeks[-1])


def stored_table(database, centre, year, now, decide_new=True):
    """The year's figures for the summaries, read from what was stored when each period was
    decided. A period that closed since is decided first (once: decided_table, from the answers),
    and a year decided before counts were stored has them filled in, once. With decide_new False
    (a respondent's thank-you page must not wait for that) only what is stored is read."""
    if decide_new:
        db.settle(database, now)
        last = _last_closed_week_of(year, now)
        if last is not None and not db.is_decided(database, centre["id"], last.key):
            decided_table(database, centre, year, centre["min_cell_size"], now)
    if year in db.uncounted_years(database, centre["id"]):
        table = decided_table(database, centre, year, centre["min_cell_size"], now, decide_new=False)
        if not decide_new:
            return table
        db.store_counts(database, centre["id"], shown_counts(table))
    return StoredTable(database, centre["id"], year, db.is_folded(database, centre["id"], year))


@dataclass
class Count:
    """One number as it may be shown: its value only when shown."""

    status: str
    value: int | None
    k: int

    @property
    def shown(self):
        return self.status == SHOWN


def _count(table, period, cell):
    status = table.status(period, cell) or HIDDEN  # a cell its period never published is withheld
    return Count(status, table.value(period, cell) if status == SHOWN else None, table.k)


def period_figures(table, period, question_set=None):
    """What may be shown for one period; None if the period has not closed yet."""
    if (period.key, N) not in table.statuses:
        return None
    question_set = question_set or questions.load()
    total = _count(table, period, N)
    result = {"period": period, "total": total, "k": table.k, "fields": [],
              "folded": getattr(table, "folded", False)}  # its answers are no longer kept
    if not total.shown:
        return result
    for field in question_set.fields():
        if field.kind == "text":
            continue
        if field.multiple:
            answered = _count(table, period, (field.name, ANSWERED))
            rows = [(o, _count(table, period, (f"{field.name}={o.id}", CHOSEN))) for o in field.options]
        else:
            unanswered = _count(table, period, (field.name, UNANSWERED))
            answered = Count(SHOWN, total.value - unanswered.value, table.k) if unanswered.shown else \
                Count(HIDDEN if unanswered.status == SMALL else unanswered.status, None, table.k)
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


def withholds(result, trend_rows=()):
    """Whether any count this period shows (answers, bands, trend) is "< k" or withheld: only then
    is there something for the note on "< k" and dashes to explain."""
    counts = [row["count"] for item in result["fields"] for row in item["rows"] + (item.get("bands") or [])]
    counts += [row["total"] for row in trend_rows]
    return any(not count.shown for count in counts)


def importance_extras(field_figures, total):
    """Share of respondents giving 9 or 10, and the median: computed only from shown counts,
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
    if not total.shown:
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
