"""The cells of a centre's figures, and how one person's answer counts in them.

A period's cells are its answer count N and, per question (a "field": a question, or one
statement of a matrix), the count of each category of a group that adds up to N:

    single choice   each option, and "unanswered"                 (importance, "9")
    multiple choice "answered" (at least one option) against "unanswered", and per option
                    "chosen" against "not_chosen"                  ("reasons=meal", "chosen")
    a scale         besides, the bands 1-6, 7-8 and 9-10: sums of its options  (importance, "9_10")

What a person answered to a field is a value: an option id (or UNANSWERED) for a single
choice, a frozenset of option ids (empty: unanswered) for a multiple choice. `cells_of(value)`
says which of the field's cells that person counts in; a different value, the cells they would
count in instead. That is all the protection needs to know of the answers.
"""

import functools
from dataclasses import dataclass

N = "N"
UNANSWERED, ANSWERED, CHOSEN, NOT_CHOSEN = "unanswered", "answered", "chosen", "not_chosen"
# A scale's bands: sums published beside its options. The 9-10 band is the headline "gave the
# place 9 or 10"; the bands let a centre set itself beside the national figures.
BANDS = (("1_6", "1–6", tuple(str(n) for n in range(1, 7))),
         ("7_8", "7–8", ("7", "8")),
         ("9_10", "9–10", ("9", "10")))
TOP_BAND = "9_10"


@dataclass(frozen=True)
class FieldCells:
    """One field's cells; `options` are its option ids, `bands` (id, option ids) for a scale."""

    name: str
    multiple: bool
    options: tuple
    bands: tuple = ()

    @property
    def groups(self):
        """{group name: its categories}: each group adds up to N."""
        if self.multiple:
            return {self.name: [ANSWERED, UNANSWERED],
                    **{f"{self.name}={o}": [CHOSEN, NOT_CHOSEN] for o in self.options}}
        return {self.name: [*self.options, UNANSWERED]}

    @property
    def cells(self):
        found = [(group, category) for group, categories in self.groups.items() for category in categories]
        return found + [(self.name, band) for band, _ in self.bands]

    @functools.cache  # noqa: B019 (a handful of fields and answers, each asked thousands of times a decision)
    def cells_of(self, value):
        """The cells a person with this answer counts in."""
        if self.multiple:
            found = {(self.name, ANSWERED if value else UNANSWERED)}
            return frozenset(found | {(f"{self.name}={o}", CHOSEN if o in value else NOT_CHOSEN) for o in self.options})
        return frozenset({(self.name, value)} | {(self.name, band) for band, scores in self.bands if value in scores})

    def alternatives(self, value):
        """Answers one person could have given instead: for a single choice any other; for a
        multiple choice one option more or fewer, or none at all."""
        if not self.multiple:
            return [v for v in (*self.options, UNANSWERED) if v != value]
        found = [value ^ {o} for o in self.options]
        if len(value) > 1:
            found.append(frozenset())
        return found


def layout(question_set):
    """The cells of every counted field of a question set, in its order."""
    found = []
    for field in question_set.fields():
        if field.kind == "text":
            continue
        options = tuple(o.id for o in field.options)
        bands = tuple((band, scores) for band, _label, scores in BANDS) if field.kind == "scale" else ()
        found.append(FieldCells(field.name, field.multiple, options, bands))
    return tuple(found)


def unanswered(field):
    return frozenset() if field.multiple else UNANSWERED


@dataclass
class Tally:
    """How many gave each answer, and the sum of their record keys (for the cell key)."""

    count: int = 0
    key: int = 0

    def add(self, count, key):
        self.count += count
        self.key = (self.key + key) % KEY_SPACE


KEY_SPACE = 2 ** 32


class Week:
    """One week's answers as the protection sees them: N, and per field how many gave each
    value, each with the sum of their record keys. Never which person gave what to two fields."""

    def __init__(self, fields):
        self.total = Tally()
        self.values = {field.name: {} for field in fields}

    def add(self, record_key, answers, fields):
        """One response: its record key and {field name: value} for the fields it answered."""
        self.total.add(1, record_key)
        for field in fields:
            value = answers.get(field.name, unanswered(field))
            self.values[field.name].setdefault(value, Tally()).add(1, record_key)

    def cells(self, fields):
        """{cell: Tally} for every cell of these fields, and N."""
        found = {N: self.total}
        for field in fields:
            for cell in field.cells:
                found[cell] = Tally()
            for value, tally in self.values[field.name].items():
                for cell in field.cells_of(value):
                    found[cell].add(tally.count, tally.key)
        return found
