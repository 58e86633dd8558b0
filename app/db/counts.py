"""Weekly counts for the summaries, and the suppression decisions published from them."""

from .core import write_transaction


# --- counts for summaries ------------------------------------------------------------------

def weekly_counts(db, centre_id, first_week, last_week):
    """Per ISO week: N, answers per (question, option), and people answering each question."""
    span = [centre_id, first_week, last_week]
    weeks = {}
    for week, total in db.execute("""SELECT iso_week, count(*) FROM responses
            WHERE centre_id = ? AND iso_week BETWEEN ? AND ? GROUP BY iso_week""", span):
        weeks[week] = {"N": total, "options": {}, "answered": {}}
    for week, question, option, count in db.execute("""
            SELECT r.iso_week, a.question, a.option, count(*) FROM responses r
            JOIN answers a ON a.response_id = r.id
            WHERE r.centre_id = ? AND r.iso_week BETWEEN ? AND ? GROUP BY r.iso_week, a.question, a.option""", span):
        weeks[week]["options"][(question, option)] = count
    for week, question, count in db.execute("""
            SELECT r.iso_week, a.question, count(DISTINCT r.id) FROM responses r
            JOIN answers a ON a.response_id = r.id
            WHERE r.centre_id = ? AND r.iso_week BETWEEN ? AND ? GROUP BY r.iso_week, a.question""", span):
        weeks[week]["answered"][question] = count
    return weeks


def published_statuses(db, centre_id, year):
    """The year's decided cells, and the k they were decided with (None before the first)."""
    rows = db.execute("SELECT period, cell, status, k FROM published WHERE centre_id = ? AND period LIKE ?",
                      [centre_id, f"{year}%"]).fetchall()
    return {(period, cell): status for period, cell, status, _ in rows}, (rows[0][3] if rows else None)


def published_rules(db, centre_id, year):
    """{period: the rule its cells were decided under} (suppression.ZEROS_SMALL, RULE)."""
    return dict(db.execute("SELECT DISTINCT period, rule FROM published WHERE centre_id = ? AND period LIKE ?",
                           [centre_id, f"{year}%"]).fetchall())


def save_published(db, centre_id, statuses, k, rules):
    """Keep new decisions, `rules` saying per period under which rule they were taken."""
    with write_transaction(db):
        db.conn.executemany(
            "INSERT OR IGNORE INTO published (centre_id, period, cell, status, k, rule) VALUES (?, ?, ?, ?, ?, ?)",
            [(centre_id, period, cell, status, k, rules[period]) for (period, cell), status in statuses.items()])


def first_week(db, centre_id):
    """The earliest ISO week with an answer at this centre, or None."""
    return db.execute("SELECT min(iso_week) FROM responses WHERE centre_id = ?", [centre_id]).fetchone()[0]


def first_year(db, centre_id):
    """The earliest year a centre has figures for (its answers, or the counts a folded year
    kept), or None."""
    return db.execute("""SELECT CAST(min(year) AS INTEGER) FROM (
                             SELECT min(substr(iso_week, 1, 4)) AS year FROM responses WHERE centre_id = ?
                             UNION ALL SELECT min(substr(period, 1, 4)) FROM folded_counts WHERE centre_id = ?)""",
                      [centre_id, centre_id]).fetchone()[0]


def save_folded(db, centre_id, counts):
    """Keep a closed year's shown counts (zeros too), {(period, cell): count}, for when its answers are gone."""
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
