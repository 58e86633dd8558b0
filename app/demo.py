"""Realistic demo answers, shaped like the LVS 2020 user survey (PRODUCT.md)."""

import random
import secrets

from . import accounts, db, periods, questions

DEMO_STAFF = "demo@example.org"
DEMO_NAME = "Demo-værestedet"
DEMO_SLUG = "demo"
WEEKS = 12
DEMO_KIOSK_PIN = "2468"  # printed with the demo; a real centre chooses its own

# Shares from the LVS 2020 survey where it gives them; plausible guesses elsewhere.
IMPORTANCE_WEIGHTS = {"1": 1, "2": 1, "3": 1, "4": 2, "5": 4, "6": 4, "7": 8, "8": 17, "9": 20, "10": 42}
FREQUENCY_WEIGHTS = {"daily": 38, "few_times_week": 42, "once_week": 9, "few_times_month": 5,
                     "rarely": 4, "first_time": 2}
REASON_SHARES = {"meet_people": 0.8, "meal": 0.42, "activities": 0.38, "someone_to_talk_to": 0.45,
                 "help_authorities": 0.2, "volunteering": 0.35, "safe_place": 0.5,
                 "practical_help": 0.15, "other": 0.05}
MEANING_WEIGHTS = {"agree": 68, "partly": 20, "disagree": 6, "dont_know": 6}
WISH_SHARES = {"activities": 0.35, "meals": 0.3, "conversations": 0.2, "advice": 0.1,
               "exercise": 0.15, "learning": 0.12, "opening_hours": 0.3, "say": 0.1, "other": 0.04}
MESSAGES = [
    "Tak fordi I altid har kaffen klar. Det betyder meget.",
    "Mere fællesspisning om fredagen, tak!",
    "Det er her jeg har mine venner.",
    "Kunne vi få en tur til stranden igen i sommer?",
    "Rart at man bare kan sidde og være her uden at skulle noget.",
]


def _one_answer(rng, fields):
    answers = []
    for field in fields:
        if field.kind == "text" or rng.random() < 0.08:  # some skip a question
            continue
        if field.question_id == "importance":
            answers.append((field.name, _pick(rng, IMPORTANCE_WEIGHTS)))
        elif field.question_id == "frequency":
            answers.append((field.name, _pick(rng, FREQUENCY_WEIGHTS)))
        elif field.question_id == "meaning":
            answers.append((field.name, _pick(rng, MEANING_WEIGHTS)))
        elif field.multiple:
            shares = REASON_SHARES if field.question_id == "reasons" else WISH_SHARES
            answers += [(field.name, o) for o, share in shares.items() if rng.random() < share]
    return answers


def _pick(rng, weights):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def ensure_demo(database, now, languages=("da",)):
    """Create the demo centre with 12 closed weeks of answers and a few in the week still open,
    once. Returns (centre, created?). The demo offers every language it is given, so a newcomer
    sees right to left at once."""
    centre = db.centre_by_slug(database, DEMO_SLUG)
    if centre is None:
        centre = db.create_centre(database, DEMO_NAME, DEMO_SLUG)
    if set(centre["languages"]) != set(languages):
        centre = db.update_centre(database, DEMO_SLUG, languages=list(languages))
    if db.count_responses(database, centre["id"]):
        return centre, False
    # Not a secret: demo answers.
    rng = random.Random(2020)  # nosec B311
    question_set = questions.load()
    fields = question_set.fields()
    week = periods.last_closed_week(now)
    closed = []
    for _ in range(WEEKS):
        closed.append(week)
        week = week.previous()
    with db.write_transaction(database):
        for week in reversed(closed):
            for _ in range(rng.randint(9, 26)):
                db.insert_response(database, centre_id=centre["id"], iso_week=week.key, **_one_person(rng, fields))
    this_week = periods.week_of(now.date()).key
    for _ in range(rng.randint(3, 8)):  # as people answered it, into the week that is still open
        db.store_answer(database, now, centre_id=centre["id"], iso_week=this_week, **_one_person(rng, fields))
    return centre, True


def _one_person(rng, fields):
    return {"question_set": questions.load().version, "answers": _one_answer(rng, fields),
            "message": rng.choice(MESSAGES) if rng.random() < 0.06 else ""}


def demo_staff_password(database, centre):
    """The demo admin, with a fresh random password each run (it is printed, so it is a demo's)."""
    password = secrets.token_urlsafe(12)
    person = db.staff_by_email(database, DEMO_STAFF) or db.create_staff(database, DEMO_STAFF)
    db.set_password(database, person["id"], accounts.hash_password(password))
    db.set_membership(database, person["id"], centre["id"], "admin")
    return password
