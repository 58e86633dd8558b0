"""Staff replies to what people said ("you said - we did"), per period and language."""

from .core import write_transaction


def save_reply(db, centre_id, period, texts):
    """Replace a period's reply: {language: text}; empty texts are left out."""
    with write_transaction(db):
        db.execute("DELETE FROM replies WHERE centre_id = ? AND period = ?", [centre_id, period.key])
        db.conn.executemany("INSERT INTO replies (centre_id, period, ends_on, language, body) VALUES (?, ?, ?, ?, ?)",
                            [(centre_id, period.key, period.last_day.isoformat(), language, text)
                             for language, text in texts.items() if text])


def reply_for(db, centre_id, period_key):
    """{language: text} for one period."""
    return dict(db.execute("SELECT language, body FROM replies WHERE centre_id = ? AND period = ?",
                           [centre_id, period_key]).fetchall())


def latest_reply(db, centre_id):
    """(period key, {language: text}) of the latest period the staff replied to, or None."""
    row = db.execute("SELECT period FROM replies WHERE centre_id = ? ORDER BY ends_on DESC, period LIMIT 1",
                     [centre_id]).fetchone()
    return (row[0], reply_for(db, centre_id, row[0])) if row else None
