"""The versioned question set (questions.toml) and the strict reading of a submitted answer."""

import functools
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

QUESTIONS_FILE = Path(__file__).with_name("questions.toml")
KINDS = {"scale", "single", "multi", "matrix", "text"}


@dataclass(frozen=True)
class Option:
    id: str
    text: str
    pictogram: str
    short: str = ""  # a matrix statement's name in a few words (a spreadsheet's tab)


@dataclass(frozen=True)
class Field:
    """One thing a respondent answers: a question, or one statement of a matrix question.

    `name` is both the form field name and the question id stored with each answer.
    """

    name: str
    question_id: str
    kind: str  # scale, single, multi or text: a matrix statement is a single choice
    text: str
    hint: str
    pictogram: str
    options: tuple[Option, ...]
    group: str = ""  # the matrix question's own text, shown above its statements
    short: str = ""  # its name in a few words, for a spreadsheet's tab (at most 31 characters with group_short)
    group_short: str = ""

    @property
    def multiple(self):
        return self.kind == "multi"


@dataclass(frozen=True)
class Question:
    id: str
    kind: str
    text: str
    hint: str
    pictogram: str
    switchable: bool
    options: tuple[Option, ...]
    items: tuple[Option, ...]
    short: str = ""

    def fields(self):
        if self.kind != "matrix":
            return [Field(self.id, self.id, self.kind, self.text, self.hint, self.pictogram, self.options,
                          short=self.short)]
        return [
            Field(f"{self.id}.{item.id}", self.id, "single", item.text, self.hint,
                  self.pictogram, self.options, group=self.text, short=item.short, group_short=self.short)
            for item in self.items
        ]


@dataclass(frozen=True)
class QuestionSet:
    version: int
    questions: tuple[Question, ...]

    def question(self, question_id):
        return next(q for q in self.questions if q.id == question_id)

    def switchable_ids(self):
        return [q.id for q in self.questions if q.switchable]

    def fields(self, disabled=()):
        """The fields a respondent sees, in order, leaving out questions a centre turned off."""
        return [f for q in self.questions if q.id not in disabled for f in q.fields()]


@functools.cache
def load(path=QUESTIONS_FILE):
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    questions = tuple(_question(raw) for raw in data["questions"])
    ids = [q.id for q in questions]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path}: question ids must be unique")
    return QuestionSet(version=int(data["version"]), questions=questions)


def _question(raw):
    kind = raw["kind"]
    if kind not in KINDS:
        raise ValueError(f"question {raw['id']}: unknown kind {kind!r}")
    options = tuple(Option(o["id"], o["text"], o["pictogram"]) for o in raw.get("options", ()))
    items = tuple(Option(i["id"], i["text"], raw["pictogram"], i.get("short", "")) for i in raw.get("items", ()))
    for group in (options, items):
        if len({o.id for o in group}) != len(group):
            raise ValueError(f"question {raw['id']}: option ids must be unique")
    if (kind == "text") == bool(options):
        raise ValueError(f"question {raw['id']}: a {kind} question {'has no' if kind == 'text' else 'needs'} options")
    return Question(raw["id"], kind, raw["text"], raw.get("hint", ""), raw["pictogram"],
                    bool(raw.get("switchable", False)), options, items, raw.get("short", ""))


def by_question(fields):
    """The fields in order, in one list per question: a matrix's statements go together."""
    groups = []
    for field in fields:
        if groups and groups[-1][0].question_id == field.question_id:
            groups[-1].append(field)
        else:
            groups.append([field])
    return groups


class InvalidSubmission(ValueError):
    """The submitted form does not fit the question set; nothing of it may be stored."""


@dataclass(frozen=True)
class Submission:
    answers: tuple[tuple[str, str], ...]  # (question field name, option id)
    message: str  # raw free text, not yet scrubbed; "" when none

    @property
    def is_empty(self):
        return not self.answers and not self.message

    def limited_to(self, fields):
        """Only the answers to these fields (and the message, if one of them is the text)."""
        names = {f.name for f in fields}
        takes_text = any(f.kind == "text" for f in fields)
        return Submission(tuple(a for a in self.answers if a[0] in names), self.message if takes_text else "")


def parse_submission(form, fields, *, other_fields=(), max_message_chars=1000):
    """Read a submitted form (a werkzeug MultiDict) strictly against `fields`.

    Unknown names, repeated or unknown options and oversize or malformed text are refused
    whole, so that a half-understood answer is never stored.
    """
    by_name = {f.name: f for f in fields}
    answers = []
    message = ""
    for name in form.keys():
        values = form.getlist(name)
        if name in other_fields:
            continue
        field = by_name.get(name)
        if field is None:
            raise InvalidSubmission("unknown question")  # never echo what a stranger sent into the log
        if field.kind == "text":
            if len(values) != 1:
                raise InvalidSubmission(f"{name}: expected one text")
            message = _clean_text(values[0], max_message_chars)
            continue
        if not field.multiple and len(values) != 1:
            raise InvalidSubmission(f"{name}: expected one answer")
        if len(set(values)) != len(values):
            raise InvalidSubmission(f"{name}: repeated answer")
        known = {o.id for o in field.options}
        for value in values:
            if value not in known:
                raise InvalidSubmission(f"{name}: unknown option")
            answers.append((name, value))
    return Submission(tuple(answers), message)


def _clean_text(text, max_chars):
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").strip()
    if len(text) > max_chars:
        raise InvalidSubmission("text too long")
    # Control characters and broken surrogates are refused; unassigned code points are not,
    # since tomorrow's emoji are unassigned in today's Python.
    if any(unicodedata.category(c) in ("Cc", "Cs") and c not in "\n\t" for c in text):
        raise InvalidSubmission("text has control characters")
    return text


def extract_question_set(fileobj, keywords, comment_tags, options):
    """Babel extractor: every text in questions.toml becomes a message id (see babel.cfg). The
    short names are for staff's spreadsheets: `respondent = true` (babel-respondent.cfg) leaves
    them out of what a respondent can see."""
    data = tomllib.loads(fileobj.read().decode("utf-8"))
    for_staff = options.get("respondent") != "true"
    for question in data["questions"]:
        texts = [question["text"], question.get("hint", "")]
        texts += [o["text"] for o in question.get("items", ())]
        if for_staff:
            texts += [question.get("short", "")] + [o.get("short", "") for o in question.get("items", ())]
        if question["kind"] != "scale":
            texts += [o["text"] for o in question.get("options", ())]
        for text in filter(None, texts):
            yield 0, "gettext", text, [f"question {question['id']}"]
