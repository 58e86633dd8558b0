"""The schema, as versioned migrations recorded in the database itself."""

import sqlite3

from sqlite_utils.migrations import Migrations

from .core import write_transaction


# --- schema --------------------------------------------------------------------------------

migrations = Migrations("brugerstemmen")


@migrations()
def m001_initial(db):
    # Statement by statement: executescript() would commit the migration's transaction early.
    _run_script(db, """
        CREATE TABLE centres (
            id INTEGER PRIMARY KEY,
            slug TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            survey_token TEXT NOT NULL UNIQUE,
            disabled_questions TEXT NOT NULL DEFAULT '[]',
            kiosk_idle_seconds INTEGER
        );
        -- One-time links that pair a tablet. Only a hash is kept, so the database cannot pair.
        CREATE TABLE kiosk_pairings (
            token_hash TEXT PRIMARY KEY,
            centre_id INTEGER NOT NULL REFERENCES centres(id) ON DELETE CASCADE,
            expires_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE kiosks (
            token_hash TEXT PRIMARY KEY,
            centre_id INTEGER NOT NULL REFERENCES centres(id) ON DELETE CASCADE,
            nickname TEXT NOT NULL
        ) WITHOUT ROWID;
        -- A response keeps no time finer than the ISO week. The random primary key of a
        -- WITHOUT ROWID table orders rows by chance, never by when they arrived.
        CREATE TABLE responses (
            id TEXT PRIMARY KEY,
            centre_id INTEGER NOT NULL REFERENCES centres(id) ON DELETE CASCADE,
            iso_week TEXT NOT NULL,
            channel TEXT NOT NULL CHECK (channel IN ('kiosk', 'phone')),
            language TEXT NOT NULL,
            question_set INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX responses_by_centre_week ON responses (centre_id, iso_week);
        CREATE TABLE answers (
            response_id TEXT NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
            question TEXT NOT NULL,
            option TEXT NOT NULL,
            PRIMARY KEY (response_id, question, option)
        ) WITHOUT ROWID;
        -- Free text is kept apart from the answers, with its own random id, so a message
        -- cannot be joined to the ticks of the person who wrote it.
        CREATE TABLE messages (
            id TEXT PRIMARY KEY,
            centre_id INTEGER NOT NULL REFERENCES centres(id) ON DELETE CASCADE,
            iso_week TEXT NOT NULL,
            language TEXT NOT NULL,
            body TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX messages_by_centre_week ON messages (centre_id, iso_week);
    """)


@migrations()
def m002_staff(db):
    _run_script(db, """
        CREATE TABLE staff (
            id INTEGER PRIMARY KEY,
            email TEXT NOT NULL UNIQUE COLLATE NOCASE,
            password_hash TEXT,
            is_site_admin INTEGER NOT NULL DEFAULT 0,
            session_version INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE memberships (
            staff_id INTEGER NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
            centre_id INTEGER NOT NULL REFERENCES centres(id) ON DELETE CASCADE,
            role TEXT NOT NULL CHECK (role IN ('staff', 'admin')),
            PRIMARY KEY (staff_id, centre_id)
        ) WITHOUT ROWID;
        CREATE TABLE invites (
            token_hash TEXT PRIMARY KEY,
            staff_id INTEGER NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
            expires_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        -- Failed staff logins, by account and by client. A client is a keyed hash of its
        -- address, never the address. Rows are forgotten once they stop mattering.
        CREATE TABLE login_throttle (
            key TEXT PRIMARY KEY,
            failures INTEGER NOT NULL,
            last_failure INTEGER NOT NULL,
            locked_until INTEGER NOT NULL
        ) WITHOUT ROWID
    """)


@migrations()
def m003_maintenance(db):
    db.execute("CREATE TABLE maintenance (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID")


@migrations()
def m004_published(db):
    # What each period's cells were decided to be (suppression.py), once, when it closed.
    db.execute("""
        CREATE TABLE published (
            centre_id INTEGER NOT NULL REFERENCES centres(id) ON DELETE CASCADE,
            period TEXT NOT NULL,
            cell TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('shown', 'small', 'hidden')),
            k INTEGER NOT NULL,
            PRIMARY KEY (centre_id, period, cell)
        ) WITHOUT ROWID""")


@migrations()
def m005_centre_settings(db):
    db.execute("ALTER TABLE centres ADD COLUMN min_cell_size INTEGER NOT NULL DEFAULT 5")
    db.execute("""ALTER TABLE centres ADD COLUMN languages TEXT NOT NULL DEFAULT '["da", "en"]'""")


@migrations()
def m006_staff_language(db):
    db.execute("ALTER TABLE staff ADD COLUMN language TEXT")  # NULL: the installation's default


@migrations()
def m007_sync(db):
    _run_script(db, """
        -- Centre side: where this centre reports, and what the hub has acknowledged.
        CREATE TABLE hub_links (
            centre_id INTEGER PRIMARY KEY REFERENCES centres(id) ON DELETE CASCADE,
            hub_url TEXT NOT NULL,
            hub_centre_id TEXT NOT NULL,
            key TEXT NOT NULL,
            -- back-off after failures: operational times of this machine, never of an answer
            failures INTEGER NOT NULL DEFAULT 0,
            failing_since INTEGER,
            next_attempt_at INTEGER NOT NULL DEFAULT 0,
            last_error TEXT
        );
        CREATE TABLE outbox (
            centre_id INTEGER NOT NULL REFERENCES centres(id) ON DELETE CASCADE,
            period TEXT NOT NULL,
            question_set INTEGER NOT NULL,
            digest TEXT NOT NULL,          -- of the aggregate as computed now
            acknowledged TEXT,             -- digest of the aggregate the hub last confirmed
            PRIMARY KEY (centre_id, period, question_set)
        ) WITHOUT ROWID;
        CREATE TABLE national_figures (
            period TEXT NOT NULL,
            question_set INTEGER NOT NULL,
            body TEXT NOT NULL,
            PRIMARY KEY (period, question_set)
        ) WITHOUT ROWID;

        -- Hub side: registered centres and the aggregates they pushed.
        CREATE TABLE hub_centres (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            lvs_code TEXT NOT NULL UNIQUE,
            org_form TEXT NOT NULL,
            municipality TEXT NOT NULL,
            municipality_type TEXT NOT NULL,
            key TEXT NOT NULL,             -- HMAC needs the key itself, so it is kept, not hashed
            revoked INTEGER NOT NULL DEFAULT 0
        ) WITHOUT ROWID;
        CREATE TABLE hub_nonces (
            centre_id TEXT NOT NULL,
            nonce TEXT NOT NULL,
            expires_at INTEGER NOT NULL,
            PRIMARY KEY (centre_id, nonce)
        ) WITHOUT ROWID;
        CREATE TABLE hub_aggregates (
            centre_id TEXT NOT NULL REFERENCES hub_centres(id) ON DELETE CASCADE,
            period TEXT NOT NULL,
            level TEXT NOT NULL,
            question_set INTEGER NOT NULL,
            k INTEGER NOT NULL,
            answers_status TEXT NOT NULL,
            answers INTEGER,               -- only when shown, so never below k
            PRIMARY KEY (centre_id, period, question_set)
        ) WITHOUT ROWID;
        CREATE TABLE hub_cells (
            centre_id TEXT NOT NULL,
            period TEXT NOT NULL,
            question_set INTEGER NOT NULL,
            question TEXT NOT NULL,
            answer TEXT NOT NULL,
            status TEXT NOT NULL,
            count INTEGER,                 -- only when shown
            PRIMARY KEY (centre_id, period, question_set, question, answer),
            FOREIGN KEY (centre_id, period, question_set)
                REFERENCES hub_aggregates(centre_id, period, question_set) ON DELETE CASCADE
        ) WITHOUT ROWID;
        CREATE INDEX hub_cells_by_period ON hub_cells (period, question_set);
        ALTER TABLE staff ADD COLUMN is_hub_admin INTEGER NOT NULL DEFAULT 0;
    """)


@migrations()
def m008_kiosk_receipts(db):
    # The idempotency keys of answers a kiosk sent, so a re-send after a lost reply is stored
    # once. Apart from the responses on purpose: a key never leads to an answer. Random keys
    # in a WITHOUT ROWID table keep no arrival order either.
    db.execute("""CREATE TABLE kiosk_receipts (
                      key TEXT PRIMARY KEY,
                      iso_week TEXT NOT NULL
                  ) WITHOUT ROWID""")


@migrations()
def m009_kiosk_pin(db):
    # Staff leave a locked kiosk with this PIN; only its hash is kept, as with passwords.
    db.execute("ALTER TABLE centres ADD COLUMN kiosk_pin_hash TEXT")


@migrations()
def m010_retention_and_results(db):
    # Free text says the most; it is kept for the shortest time (app/retention.py).
    db.execute("ALTER TABLE centres ADD COLUMN message_retention_months INTEGER NOT NULL DEFAULT 3")
    # "You said": the thank-you screen tells what people here said last (app/said.py),
    # and what the staff did about it, in the languages they wrote it in.
    db.execute("ALTER TABLE centres ADD COLUMN show_said INTEGER NOT NULL DEFAULT 1")
    db.execute("""CREATE TABLE replies (
                      centre_id INTEGER NOT NULL REFERENCES centres(id) ON DELETE CASCADE,
                      period TEXT NOT NULL,
                      ends_on TEXT NOT NULL,    -- the period's last day, for finding the latest
                      language TEXT NOT NULL,
                      body TEXT NOT NULL,
                      PRIMARY KEY (centre_id, period, language)
                  ) WITHOUT ROWID""")


@migrations()
def m011_folding(db):
    # Raw answers are kept for retention_months (or until their year has closed); after that a
    # year is "folded": only the counts it published stay (app/retention.py).
    db.execute("ALTER TABLE centres ADD COLUMN retention_months INTEGER NOT NULL DEFAULT 24")
    db.execute("""CREATE TABLE folded_counts (
                      centre_id INTEGER NOT NULL REFERENCES centres(id) ON DELETE CASCADE,
                      period TEXT NOT NULL,
                      cell TEXT NOT NULL,
                      count INTEGER NOT NULL,   -- only cells published as shown: never below k
                      PRIMARY KEY (centre_id, period, cell)
                  ) WITHOUT ROWID""")


@migrations()
def m012_forget_erase_time(db):
    # The last rewrite's time was kept here, seconds after an answer; it now lives in memory.
    db.execute("DELETE FROM maintenance WHERE name = 'erased'")


@migrations()
def m013_hub_replies(db):
    # Hub side: whether a centre publishes "you said - we did" replies (a yes or no, no text).
    db.execute("ALTER TABLE hub_centres ADD COLUMN publishes_replies INTEGER NOT NULL DEFAULT 0")


@migrations()
def m014_bound_invitations(db):
    # An invitation is bound to the membership it creates, and says whether it may set a
    # password (app/db/invitations.py). The old links were bound to an account only: any admin
    # could get one for an account of another centre and take it over. They are dropped; an
    # admin makes a new one.
    _run_script(db, """
        DROP TABLE invites;
        CREATE TABLE invites (
            token_hash TEXT PRIMARY KEY,
            staff_id INTEGER NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
            -- the membership it creates; NULL: the operator's password link (brugerstemmen staff add)
            centre_id INTEGER REFERENCES centres(id) ON DELETE CASCADE,
            role TEXT CHECK (role IN ('staff', 'admin')),
            -- 1: the new person chooses a password here; 0: they sign in to accept
            sets_password INTEGER NOT NULL,
            expires_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX invites_by_staff ON invites (staff_id)
    """)


@migrations()
def m015_throttle_apart(db):
    # Failed logins moved to a file of their own (app/db/throttle.py): a client's keyed hash
    # never sits beside the answers. What was counted here is forgotten; nobody waits longer.
    db.execute("DROP TABLE login_throttle")


@migrations()
def m016_published_rule(db):
    # Zeros are shown now, and "< k" means 1..k-1 (suppression.RULE). Periods decided before
    # keep what they published, where "< k" also covered 0: rule 1 says so to the audit.
    db.execute("ALTER TABLE published ADD COLUMN rule INTEGER NOT NULL DEFAULT 1")


@migrations()
def m017_hub_national(db):
    # Hub side: the national figures decided from a period's aggregates (app/hub/disclosure.py),
    # kept until a centre pushes that period again; `digest` is of the aggregates they came from.
    db.execute("""CREATE TABLE hub_national (
                      period TEXT NOT NULL,
                      question_set INTEGER NOT NULL,
                      digest TEXT NOT NULL,
                      body TEXT NOT NULL,
                      PRIMARY KEY (period, question_set)
                  ) WITHOUT ROWID""")


@migrations()
def m018_stuffing_limits(db):
    # A centre's own limits against stuffing (app/stuffing.py); NULL: the installation's default.
    # Settings only: what the limits count lives in memory, never in this file.
    db.execute("ALTER TABLE centres ADD COLUMN kiosk_answer_interval_seconds INTEGER")
    db.execute("ALTER TABLE centres ADD COLUMN answers_per_minute INTEGER")


@migrations()
def m019_tablets_and_sync_seen(db):
    # The staff home: when each tablet was paired and last said it was on, as a day and never
    # finer (its heartbeat, at fixed times of the clock; never an answer: docs/anonymity.md),
    # and when the hub last took this centre's figures (this machine's time; a sync is not an answer).
    db.execute("ALTER TABLE kiosks ADD COLUMN paired_on TEXT")
    db.execute("ALTER TABLE kiosks ADD COLUMN last_seen_on TEXT")
    db.execute("ALTER TABLE hub_links ADD COLUMN last_success_at INTEGER")


@migrations()
def m020_published_counts(db):
    # A summary reads what a period showed, stored beside its decision when it closed, instead of
    # working the year out again from the answers: `count` is the shown value (NULL where the
    # cell is withheld). Periods decided before this are filled in the first time they are read,
    # found through the partial index (empty once they are).
    db.execute("ALTER TABLE published ADD COLUMN count INTEGER")
    db.execute("CREATE INDEX published_uncounted ON published (centre_id, period) "
               "WHERE status = 'shown' AND count IS NULL")


@migrations()
def m021_perturbed_counts(db):
    # Periods are now published with exact totals and perturbed counts (app/disclosure): a new
    # status, "perturbed", whose count is the number published. SQLite cannot widen a CHECK, so
    # the table is copied; what earlier periods published stays as it was.
    _run_script(db, """
        CREATE TABLE published_new (
            centre_id INTEGER NOT NULL REFERENCES centres(id) ON DELETE CASCADE,
            period TEXT NOT NULL,
            cell TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('shown', 'small', 'hidden', 'perturbed')),
            k INTEGER NOT NULL,
            rule INTEGER NOT NULL DEFAULT 1,
            count INTEGER,
            PRIMARY KEY (centre_id, period, cell)
        ) WITHOUT ROWID;
        INSERT INTO published_new (centre_id, period, cell, status, k, rule, count)
            SELECT centre_id, period, cell, status, k, rule, count FROM published;
        DROP TABLE published;
        ALTER TABLE published_new RENAME TO published;
        CREATE INDEX published_uncounted ON published (centre_id, period) WHERE status = 'shown' AND count IS NULL
    """)


@migrations()
def m022_nothing_beside_an_answer(db):
    # The screen language on both an answer and a message paired them (a message's script tells
    # its language anyway), and the channel narrowed an answer down further: an answer now keeps
    # its centre, week, question set and the answers alone, and a message its centre and week.
    # migrate() rebuilds the file afterwards, so no free page keeps the old columns.
    for table, column in (("responses", "channel"), ("responses", "language"), ("messages", "language")):
        db.execute(f"ALTER TABLE {table} DROP COLUMN {column}")


@migrations()
def m023_moved_weeks(db):
    # An open week's records get new ids when they move into the history; what marks a week's
    # files as moved (should the move be repeated after a crash) is a digest of their old ids.
    db.execute("CREATE TABLE moved_weeks (digest TEXT PRIMARY KEY, iso_week TEXT NOT NULL) WITHOUT ROWID")


@migrations()
def m024_emails_in_lower_case(db):
    # Accounts are made with their e-mail in lower case (db.create_staff); older ones follow.
    for staff_id, email in db.execute("SELECT id, email FROM staff").fetchall():
        if email != email.lower():
            db.execute("UPDATE staff SET email = ? WHERE id = ?", [email.lower(), staff_id])


@migrations()
def m025_short_codes(db):
    # The short code under a poster's QR code (app/short_codes.py): one per centre, each its own.
    from ..short_codes import new_code

    db.execute("ALTER TABLE centres ADD COLUMN short_code TEXT")
    taken = set()
    for (centre_id,) in db.execute("SELECT id FROM centres ORDER BY id").fetchall():
        code = new_code()
        while code in taken:
            code = new_code()
        taken.add(code)
        db.execute("UPDATE centres SET short_code = ? WHERE id = ?", [code, centre_id])
    db.execute("CREATE UNIQUE INDEX centres_short_code ON centres (short_code)")


@migrations()
def m026_hub_pushes(db):
    # Hub side: each stored aggregate gets an id of its own, new with every push of it, and the
    # national figures decided from a period are kept under its centres' push ids (app/hub/national.py):
    # a few hundred short rows to read, where the cells are thousands. Aggregates pushed before
    # get one each now. The index finds a period's aggregates without reading every centre's years.
    db.execute("ALTER TABLE hub_aggregates ADD COLUMN push_id TEXT")
    db.execute("UPDATE hub_aggregates SET push_id = lower(hex(randomblob(8)))")
    db.execute("CREATE INDEX hub_aggregates_by_period ON hub_aggregates (period, question_set)")


REBUILT_AFTER = {"m022_nothing_beside_an_answer"}


def _run_script(db, script):
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.execute(statement)
            statement = ""
    if statement.strip():
        db.execute(statement)


def migrate(db):
    """Create or bring the schema up to date; safe to run any number of times, from any process."""
    with write_transaction(db):
        before = set(applied_migrations(db))
        migrations.apply(db)
        rebuild = before and REBUILT_AFTER & (set(applied_migrations(db)) - before)
    if rebuild:
        from .responses import compact_open  # the rebuild every deletion of answers ends with
        compact_open(db)


def applied_migrations(db):
    return [m.name for m in migrations.applied(db)]




def known_migrations():
    """Every migration this version has (sqlite-utils offers no public list of them)."""
    return [m.name for m in migrations._migrations]
