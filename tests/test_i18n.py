"""Danish first: every text a person sees goes through gettext and is translated."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = {"da": ROOT / "translations/da/LC_MESSAGES/messages.po",
            "en": ROOT / "translations/en/LC_MESSAGES/messages.po"}


def msgids(path):
    with open(path, "rb") as handle:
        return {m.id for m in read_po(handle) if m.id}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    subprocess.run([str(Path(sys.executable).parent / "pybabel"), "extract", "-F", "babel.cfg", "-k", "_l",
                    "-o", str(pot), "--add-location=never", "--no-wrap", "--sort-output", "."],
                   cwd=ROOT, check=True, capture_output=True)
    return msgids(pot)


def test_the_committed_template_is_not_stale(extracted):
    assert msgids(ROOT / "translations/messages.pot") == extracted, "run `make update-strings`"


@pytest.mark.parametrize("language", sorted(CATALOGS))
def test_every_string_is_translated(extracted, language):
    with open(CATALOGS[language], "rb") as handle:
        catalog = read_po(handle)
    translated = {m.id for m in catalog if m.id and m.string and "fuzzy" not in m.flags}
    assert not extracted - translated, f"untranslated in {language}: {sorted(extracted - translated)}"


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


def test_pages_render_in_danish_by_default_and_in_english_on_request(client, make_centre):
    centre = make_centre()
    danish = client.get(f"/s/{centre['survey_token']}").get_data(as_text=True)
    english = client.get(f"/s/{centre['survey_token']}?lang=en").get_data(as_text=True)
    assert "Send mit svar" in danish and "Send my answer" not in danish
    assert "Send my answer" in english and "Send mit svar" not in english
    assert client.get("/s/nope?lang=xx").get_data(as_text=True).count('lang="da"') >= 1
