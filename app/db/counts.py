"""The answers as the protection reads them, and what each period published (app/disclosure)."""

from .core import write_transaction


# --- answers for the protection, and what it published ----------------------------------

def year_answers(db, centre_id, first_week, last_week):
    """Every response of these weeks with its answers, one row per answer (a response without
    any: option None), ordered by response: (iso_week, response id, question, option)."""
    return db.execute("""SELECT r.iso_week, r.id, a.question, a.option FROM responses r
                         LEFT JOIN answers a ON a.response_id = r.id
                         WHERE r.centre_id = ? AND r.iso_week BETWEEN ? AND ? ORDER BY r.id""",
                      [centre_id, first_week, last_week])


def published_decisions(db, centre_id, year):
    """The year's published cells {(period, cell): (status, count)}, the rule of each period,
    and the k they were decided with (None before the first)."""
    rows = db.execute("SELECT period, cell, status, count, rule, k FROM published WHERE centre_id = ? AND period >= ? "
                      "AND period < ?", [centre_id, *_year_span(year)]).fetchall()
    decisions = {(period, cell): (status, count) for period, cell, status, count, _rule, _k in rows}
    return decisions, {period: rule for period, _c, _s, _n, rule, _k in rows}, (rows[0][5] if rows else None)


def save_published(db, centre_id, decisions, k, rule):
    """Keep new decisions {(period, cell): (status, count)}, all taken under `rule`; the count
    is the number published (None where none is)."""
    with write_transaction(db):
        db.conn.executemany(
            """INSERT OR IGNORE INTO published (centre_id, period, cell, status, k, rule, count)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            [(centre_id, period, cell, status, k, rule, count) for (period, cell), (status, count) in decisions.items()])


# --- a decided period as stored: what the summaries read -----------------------------------

def _year_span(year):
    return [str(year), str(year + 1)]  # every period key of a year sorts between these


def decided_period(db, centre_id, period, group=None):
    """A decided period as it was published, {cell: (status, published count or None)}, its k
    and its rule; ({}, None, None) for a period not decided. With `group`, only N and that
    group's cells."""
    if group is None:
        rows = db.execute("SELECT cell, status, count, k, rule FROM published WHERE centre_id = ? AND period = ?",
                          [centre_id, period]).fetchall()
    else:  # a cell is "group|category": the group's cells sort from "group|" to just before "group}"
        rows = db.execute("""SELECT cell, status, count, k, rule FROM published WHERE centre_id = ? AND period = ?
                             AND (cell = 'N' OR (cell >= ? AND cell < ?))""",
                          [centre_id, period, f"{group}|", f"{group}}}"]).fetchall()
    return ({cell: (status, count) for cell, status, count, _k, _r in rows},
            rows[0][3] if rows else None, rows[0][4] if rows else None)


def decided_periods(db, centre_id, periods, group):
    """decided_period(..., group) for several periods at once: {period: {cell: (status, count)}}
    (an empty dict for one not decided), {period: rule}, and their k."""
    marks = ", ".join("?" * len(periods))
    rows = db.execute(f"""SELECT period, cell, status, count, k, rule FROM published WHERE centre_id = ?
                          AND period IN ({marks}) AND (cell = 'N' OR (cell >= ? AND cell < ?))""",  # nosec B608
                      [centre_id, *periods, f"{group}|", f"{group}}}"]).fetchall()
    found = {period: {} for period in periods}
    rules = {}
    for period, cell, status, count, _k, rule in rows:
        found[period][cell] = (status, count)
        rules[period] = rule
    return found, rules, (rows[0][4] if rows else None)


def is_decided(db, centre_id, period):
    return db.execute("SELECT 1 FROM published WHERE centre_id = ? AND period = ? AND cell = 'N'",
                      [centre_id, period]).fetchone() is not None


def uncounted_years(db, centre_id):
    """The years with a shown cell whose count is not stored (decided before counts were kept)."""
    return [int(row[0]) for row in db.execute(
        """SELECT DISTINCT substr(period, 1, 4) FROM published INDEXED BY published_uncounted
           WHERE centre_id = ? AND status = 'shown' AND count IS NULL""", [centre_id])]


def store_counts(db, centre_id, counts):
    """Fill in the stored counts of cells already published as shown, {(period, cell): count}."""
    with write_transaction(db):
        db.conn.executemany(
            "UPDATE published SET count = ? WHERE centre_id = ? AND period = ? AND cell = ? AND status = 'shown'",
            [(count, centre_id, period, cell) for (period, cell), count in counts.items()])


def is_folded(db, centre_id, year):
    """Whether a year's answers were folded into the counts it showed (retention)."""
    return db.execute("SELECT 1 FROM folded_counts WHERE centre_id = ? AND period >= ? AND period < ? LIMIT 1",
                      [centre_id, *_year_span(year)]).fetchone() is not None


def first_week(db, centre_id):
    """The earliest ISO week with an answer at this centre, or None."""
    return db.execute("SELECT min(iso_week) FROM responses WHERE centre_id = ?", [centre_id]).fetchone()[0]


def first_year(db, centre_id):
    """The earliest year a centre has figures for (its answers, or the counts a folded year
    kept), or None."""
    # min() of the indexed column itself (not of an expression of it), so SQLite reads one row
    # of the index rather than every answer the centre ever had.
    return db.execute("""SELECT CAST(min(year) AS INTEGER) FROM (
                             SELECT substr(min(iso_week), 1, 4) AS year FROM responses WHERE centre_id = ?
                             UNION ALL SELECT substr(min(period), 1, 4) FROM folded_counts WHERE centre_id = ?)""",
                      [centre_id, centre_id]).fetchone()[0]


def save_folded(db, centre_id, counts):
    """Keep a closed year's published counts, {(period, cell): count}, for when its answers are gone."""
    with write_transaction(db):
        db.conn.executemany("INSERT OR REPLACE INTO folded_counts (centre_id, period, cell, count) VALUES (?, ?, ?, ?)",
                            [(centre_id, period, cell, count) for (period, cell), count in counts.items()])


def folded_counts(db, centre_id, year):
    rows = db.execute("SELECT period, cell, count FROM folded_counts WHERE centre_id = ? AND period LIKE ?",
                      [centre_id, f"{year}%"]).fetchall()
    return {(period, cell): count for period, cell, count in rows}


def count_before(db, centre_id, week):
    """How many of a centre's responses are from weeks before this one."""
    return db.execute("SELECT count(*) FROM responses WHERE centre_id = ? AND iso_week < ?",
                      [centre_id, week]).fetchone()[0]


def raw_weeks(db, centre_id, before_week):
    """The weeks before this one that still hold raw answers."""
    return [row[0] for row in db.execute(
        "SELECT DISTINCT iso_week FROM responses WHERE centre_id = ? AND iso_week < ? ORDER BY iso_week",
        [centre_id, before_week])]


def delete_responses(db, centre_id, first_week, last_week):
    """Delete a span of weeks' answers for good; returns how many responses went."""
    span = [centre_id, first_week, last_week]
    with write_transaction(db):
        db.execute("""DELETE FROM answers WHERE response_id IN (SELECT id FROM responses
                      WHERE centre_id = ? AND iso_week BETWEEN ? AND ?)""", span)
        return db.execute("DELETE FROM responses WHERE centre_id = ? AND iso_week BETWEEN ? AND ?", span).rowcount


def decided_keys(db, centre_id, year):
    """The year's decided periods, by key."""
    return [row[0] for row in db.execute(
        "SELECT period FROM published WHERE centre_id = ? AND period >= ? AND period < ? AND cell = 'N'",
        [centre_id, *_year_span(year)])]
