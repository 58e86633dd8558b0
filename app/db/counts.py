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


def save_published(db, centre_id, statuses, k):
    with write_transaction(db):
        db.conn.executemany(
            "INSERT OR IGNORE INTO published (centre_id, period, cell, status, k) VALUES (?, ?, ?, ?, ?)",
            [(centre_id, period, cell, status, k) for (period, cell), status in statuses.items()])


def first_week(db, centre_id):
    """The earliest ISO week with an answer at this centre, or None."""
    return db.execute("SELECT min(iso_week) FROM responses WHERE centre_id = ?", [centre_id]).fetchone()[0]
