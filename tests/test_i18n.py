"""Danish first: every text a person sees goes through gettext and is translated."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
STAFF_LANGUAGES = ["da", "en"]
RESPONDENT_LANGUAGES = ["da", "en", "ar", "uk", "pl", "fa"]
CATALOGS = {code: ROOT / f"translations/{code}/LC_MESSAGES/messages.po" for code in RESPONDENT_LANGUAGES}


def msgids(path):
    with open(path, "rb") as handle:
        return {m.id for m in read_po(handle) if m.id}


def extract(tmp_path_factory, config):
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    subprocess.run([str(Path(sys.executable).parent / "pybabel"), "extract", "-F", config, "-k", "_l",
                    "-o", str(pot), "--add-location=never", "--no-wrap", "--sort-output", "."],
                   cwd=ROOT, check=True, capture_output=True)
    return msgids(pot)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    return extract(tmp_path_factory, "babel.cfg")


@pytest.fixture(scope="module")
def respondent_facing(tmp_path_factory):
    return extract(tmp_path_factory, "babel-respondent.cfg")


def test_the_committed_templates_are_not_stale(extracted, respondent_facing):
    assert msgids(ROOT / "translations/messages.pot") == extracted, "run `make update-strings`"
    assert msgids(ROOT / "translations/respondent.pot") == respondent_facing, "run `make update-strings`"


def translated(language):
    with open(CATALOGS[language], "rb") as handle:
        catalog = read_po(handle)
    return {m.id for m in catalog
            if m.id and all(m.string if isinstance(m.string, tuple) else (m.string,)) and not m.fuzzy}


@pytest.mark.parametrize("language", STAFF_LANGUAGES)
def test_staff_languages_translate_every_string(extracted, language):
    missing = extracted - translated(language)
    assert not missing, f"untranslated in {language}: {sorted(missing)}"


@pytest.mark.parametrize("language", RESPONDENT_LANGUAGES)
def test_every_language_translates_everything_a_respondent_sees(respondent_facing, language):
    missing = respondent_facing - translated(language)
    assert not missing, f"untranslated for respondents in {language}: {sorted(missing)}"


@pytest.mark.parametrize("language", RESPONDENT_LANGUAGES)
def test_every_catalogue_states_whether_a_native_speaker_checked_it(language):
    header = CATALOGS[language].read_text(encoding="utf-8").split('msgid ""')[0]
    assert re.search(r"^# REVIEW STATUS: \S", header, re.M), f"{language}: no REVIEW STATUS line in its header"
    if language not in ("da", "en"):
        assert "not yet checked by a native speaker" in header


def test_the_shipped_languages_are_the_configured_ones():
    from app.config import DEFAULTS

    assert DEFAULTS["LANGUAGES"] == RESPONDENT_LANGUAGES and DEFAULTS["STAFF_LANGUAGES"] == STAFF_LANGUAGES
    assert sorted(p.parent.parent.name for p in ROOT.glob("translations/*/LC_MESSAGES/messages.po")) == \
        sorted(RESPONDENT_LANGUAGES)


def test_danish_keeps_every_placeholder():
    with open(CATALOGS["da"], "rb") as handle:
        for message in read_po(handle):
            if not message.id:
                continue
            ids = message.id if message.pluralizable else (message.id,)
            strings = message.string if message.pluralizable else (message.string,)
            for text in strings:  # every plural form keeps the placeholders of the plural message id
                assert sorted(re.findall(r"%\(\w+\)s", ids[-1])) == sorted(re.findall(r"%\(\w+\)s", text))


def test_no_f_strings_or_formatting_inside_gettext():
    offenders = []
    for path in (ROOT / "app").rglob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"\b_l?\(\s*f[\"']", line) or re.search(r"\b_l?\([^)]*\)\s*%", line):
                offenders.append(f"{path.name}:{number}")
    assert not offenders


@pytest.mark.calendar
def test_pages_render_in_danish_by_default_and_in_english_on_request(client, make_centre):
    centre = make_centre()
    danish = client.get(f"/s/{centre['survey_token']}").get_data(as_text=True)
    english = client.get(f"/s/{centre['survey_token']}?lang=en").get_data(as_text=True)
    assert "Send mit svar" in danish and "Send my answer" not in danish
    assert "Send my answer" in english and "Send mit svar" not in english
    assert client.get("/s/nope?lang=xx").get_data(as_text=True).count('lang="da"') >= 1


def _strings(language):
    with open(CATALOGS[language], "rb") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id and isinstance(m.id, str)}


@pytest.mark.parametrize("language", RESPONDENT_LANGUAGES)
def test_no_word_is_written_twice_in_a_row(respondent_facing, language):
    """Issue 17 found "For at" twice over in a reason; no text a respondent reads says a word twice."""
    strings = _strings(language)
    doubled = [strings[message] for message in respondent_facing if isinstance(message, str)
               and re.search(r"(?<!\w)(\w+)\s+\1(?!\w)", strings.get(message) or "", re.IGNORECASE)]
    assert not doubled, doubled


def test_an_answer_does_not_repeat_the_question_it_answers():
    """The reasons answer "Why do you come here?": each reads as its own answer ("Et måltid mad"),
    not as the question's words again ("For at få et måltid mad")."""
    from app import questions

    danish = _strings("da")
    reasons = questions.load().question("reasons")
    texts = [danish[option.text] for option in reasons.options]
    assert not [text for text in texts if text.lower().startswith(("for at", "fordi"))], texts
