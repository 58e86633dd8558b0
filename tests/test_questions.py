"""The question set file and the strict reading of a submitted form."""

import pytest
from werkzeug.datastructures import MultiDict

from app import questions
from app.questions import InvalidSubmission, parse_submission

QS = questions.load()
FIELDS = QS.fields()


def parse(pairs, fields=FIELDS):
    return parse_submission(MultiDict(pairs), fields, other_fields={"csrf_token", "lang"})


def test_question_set_has_the_product_questions_with_stable_ids_and_pictograms():
    assert QS.version >= 1
    assert [q.id for q in QS.questions] == ["importance", "reasons", "frequency", "meaning", "wishes", "message"]
    assert [o.id for o in QS.question("importance").options] == [str(n) for n in range(1, 11)]
    assert {"meet_people", "meal", "activities", "someone_to_talk_to", "help_authorities", "volunteering",
            "safe_place", "practical_help", "other"} == {o.id for o in QS.question("reasons").options}
    assert [o.id for o in QS.question("frequency").options] == [
        "daily", "few_times_week", "once_week", "few_times_month", "rarely", "first_time"]
    assert len(QS.question("meaning").items) == 5
    assert set(QS.switchable_ids()) == {"meaning", "wishes", "message"}


def test_every_pictogram_exists_as_a_static_icon():
    from app import ICONS_DIR

    names = {q.pictogram for q in QS.questions} | {o.pictogram for q in QS.questions for o in q.options}
    missing = [name for name in names if not (ICONS_DIR / f"{name}.svg").is_file()]
    assert not missing


def test_a_full_answer_is_read():
    submission = parse([("importance", "9"), ("reasons", "meal"), ("reasons", "meet_people"),
                        ("frequency", "daily"), ("meaning.respected", "agree"), ("message", " Hej  "),
                        ("csrf_token", "x"), ("lang", "da")])
    assert set(submission.answers) == {("importance", "9"), ("reasons", "meal"), ("reasons", "meet_people"),
                                       ("frequency", "daily"), ("meaning.respected", "agree")}
    assert submission.message == "Hej"


def test_new_emoji_are_welcome_in_the_message():
    assert parse([("message", "Tak \U0001fa77 \U0001fae8")]).message == "Tak \U0001fa77 \U0001fae8"


def test_everything_skipped_is_an_empty_submission():
    assert parse([("csrf_token", "x")]).is_empty
    assert not parse([("importance", "3")]).is_empty


@pytest.mark.parametrize("pairs", [
    [("nonsense", "1")],                                # unknown question
    [("importance", "11")],                             # unknown option
    [("importance", "")],                               # empty option
    [("importance", "9"), ("importance", "10")],        # two answers to a single choice
    [("reasons", "meal"), ("reasons", "meal")],         # a repeated option
    [("meaning.nonsense", "agree")],                    # unknown statement
    [("meaning", "agree")],                             # the matrix itself is not a field
    [("message", "x" * 1001)],                          # oversize text
    [("message", "hej\x00")],                           # a null byte
    [("message", "a"), ("message", "b")],               # two texts
])
def test_malformed_submissions_are_refused_whole(pairs):
    with pytest.raises(InvalidSubmission):
        parse(pairs)


def test_a_question_the_centre_turned_off_is_refused():
    fields = QS.fields(disabled=["message", "wishes"])
    assert "message" not in {f.name for f in fields}
    with pytest.raises(InvalidSubmission):
        parse([("message", "hej")], fields)
    with pytest.raises(InvalidSubmission):
        parse([("wishes", "meals")], fields)


def test_question_texts_are_extracted_for_translation():
    with open(questions.QUESTIONS_FILE, "rb") as handle:
        texts = {message for _, _, message, _ in questions.extract_question_set(handle, [], [], {})}
    assert "How important is this place to you?" in texts
    assert "I feel respected here" in texts
    assert "10" not in texts  # numbers of the scale are not words


def test_a_broken_question_file_is_refused(tmp_path):
    bad = tmp_path / "questions.toml"
    bad.write_text('version = 2\n[[questions]]\nid = "x"\nkind = "single"\npictogram = "heart"\ntext = "X"\n'
                   'options = [{id = "a", text = "A", pictogram = "heart"}, {id = "a", text = "B", pictogram = "heart"}]\n')
    with pytest.raises(ValueError, match="unique"):
        questions.load(bad)


def test_an_answers_pictogram_is_never_a_buttons_own():
    """"Partly" once had the "Larger text" button's pictogram: an answer must not look like a control."""
    controls = {"text-size", "volume", "language", "arrow-left", "arrow-right", "send"}
    question_set = questions.load()
    pictograms = {option.pictogram for q in question_set.questions for option in q.options}
    assert not pictograms & controls
    assert question_set.question("meaning").options[1].pictogram == "circle-half"
