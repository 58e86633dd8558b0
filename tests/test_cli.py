"""The `brugerstemmen` console script, run as an operator runs it."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import CLOCK, run_cli, run_cli_here

README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.fixture
def env(tmp_path):
    return {**os.environ, "BRUGERSTEMMEN_DATA_DIR": str(tmp_path / "data"),
            "BRUGERSTEMMEN_BASE_URL": "https://stemme.example.dk", "BRUGERSTEMMEN_CLOCK": CLOCK}


def test_init_creates_the_database_and_is_idempotent(env, tmp_path):
    first = run_cli(env, "init")
    second = run_cli(env, "init")
    assert "m001_initial" in first.stdout and first.stdout == second.stdout
    assert (tmp_path / "data" / "brugerstemmen.sqlite3").is_file()


def test_the_secret_key_is_made_once_and_private(env, tmp_path):
    run_cli(env, "init")
    key_file = tmp_path / "data" / "secret_key"
    key = key_file.read_text()
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    run_cli(env, "init")
    assert key_file.read_text() == key


def test_centre_add_prints_links_and_writes_qr_files(env):
    info = json.loads(run_cli(env, "centre", "add", "Værestedet Åen", "--json").stdout)
    assert info["slug"] == "vaerestedet-aaen"
    assert re.fullmatch(r"https://stemme\.example\.dk/s/[A-Za-z0-9_-]{32}", info["survey_url"])
    assert re.fullmatch(r"https://stemme\.example\.dk/kiosk/pair/[A-Za-z0-9_-]{32}", info["kiosk_pairing_url"])
    assert Path(info["qr_svg"]).read_text().startswith("<?xml")
    assert Path(info["qr_png"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    plain = run_cli(env, "centre", "add", "Café Syd", "--slug", "syd").stdout
    assert "Phone survey:" in plain and "Kiosk pairing:" in plain and "/s/" in plain


def test_centre_list_and_rotate_token(env):
    run_cli(env, "centre", "add", "Nord", "--slug", "nord")
    before = json.loads(run_cli(env, "centre", "list", "--json").stdout)
    assert [c["slug"] for c in before] == ["nord"]
    rotated = run_cli(env, "centre", "rotate-token", "nord")
    after = json.loads(run_cli(env, "centre", "list", "--json").stdout)
    assert after[0]["survey_url"] != before[0]["survey_url"]
    assert after[0]["survey_url"] in rotated.stdout
    assert "nord" in run_cli(env, "centre", "list").stdout


def test_pair_kiosk_gives_a_fresh_one_time_link(env):
    run_cli(env, "centre", "add", "Nord", "--slug", "nord")
    first = json.loads(run_cli(env, "centre", "pair-kiosk", "nord", "--json").stdout)
    second = json.loads(run_cli(env, "centre", "pair-kiosk", "nord", "--json").stdout)
    assert first["kiosk_pairing_url"] != second["kiosk_pairing_url"]


def decode_terminal_qr(text, tmp_path):
    """Turn the block characters back into a picture, as a phone camera sees the terminal."""
    from PIL import Image

    rows = [line for line in text.splitlines() if line and set(line) <= set("█▀▄\u00a0")]
    pixels = []
    for line in rows:  # each character holds two modules, one above the other
        pixels.append([ch in "█▀" for ch in line])
        pixels.append([ch in "█▄" for ch in line])
    image = Image.new("L", (len(pixels[0]), len(pixels)))
    # Characters are drawn light on a dark terminal: a drawn module is a light one.
    image.putdata([255 if lit else 0 for row in pixels for lit in row])
    path = tmp_path / "terminal.png"
    image.resize((image.width * 8, image.height * 8), Image.NEAREST).save(path)
    zbarimg = shutil.which("zbarimg")
    assert zbarimg, "zbar-tools is not installed: `make test` installs it"
    return subprocess.run([zbarimg, "--quiet", "--raw", str(path)], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_demo_draws_a_scannable_qr_code_in_the_terminal(env, tmp_path):
    output = run_cli(env, "demo").stdout
    survey_url = re.search(r"Phone survey:\s+(\S+)", output).group(1)
    assert decode_terminal_qr(output, tmp_path) == survey_url


def test_demo_is_idempotent_and_realistic(env, tmp_path):
    from app import db

    first = run_cli(env, "demo")  # on the env's fixed calendar: 2026-W48 open, W47 closed
    second = run_cli(env, "demo")
    assert "Prepared the demo centre" in first.stdout and "Using the demo centre" in second.stdout
    database = db.connect(tmp_path / "data" / "brugerstemmen.sqlite3")
    weeks = [row[0] for row in database.execute("SELECT DISTINCT iso_week FROM responses")]
    total = database.execute("SELECT count(*) FROM responses").fetchone()[0]
    offered = db.centre_by_slug(database, "demo")["languages"]
    top = database.execute("SELECT count(*) FROM answers WHERE question = 'importance' AND option IN ('9', '10')").fetchone()[0]
    rated = database.execute("SELECT count(*) FROM answers WHERE question = 'importance'").fetchone()[0]
    this_week = db.open_week_counts(database, db.centre_by_slug(database, "demo")["id"])
    database.close()
    assert len(weeks) == 12 and max(weeks) == "2026-W47"  # twelve closed weeks in the history
    assert list(this_week) == ["2026-W48"] and 3 <= this_week["2026-W48"] <= 8  # a few so far this week
    assert 100 < total < 320
    assert 0.5 < top / rated < 0.8  # "more than half gave 9 or 10" (LVS 2020)
    assert sorted(offered) == ["ar", "da", "en", "fa", "pl", "uk"]  # a newcomer sees right to left at once


def test_summary_writes_the_same_protected_numbers_staff_see(env, tmp_path):
    import csv

    from app import db

    env = {**env, "BRUGERSTEMMEN_CLOCK": "2025-03-20T12:00:00"}  # weeks 1-11 of 2025 have closed
    run_cli(env, "centre", "add", "Nord", "--slug", "nord")
    database = db.connect(tmp_path / "data" / "brugerstemmen.sqlite3")
    centre = db.centre_by_slug(database, "nord")
    for option in ["9"] * 7 + ["2"]:
        db.record_response(database, centre_id=centre["id"], iso_week="2025-W02", question_set=1, answers=[("importance",
                           option)])
    database.close()
    out = tmp_path / "nord.csv"
    result = run_cli(env, "summary", "--centre", "nord", "--week", "2025-W02", "--output", str(out))
    assert str(out) in result.stdout
    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
    values = {r[1]: r[2] for r in rows if len(r) > 2 and r[0] == "Hvor vigtigt er dette sted for dig?"}
    assert rows[2] == ["Svar", "8"]  # exact
    assert any(r[:1] == ["Bemærk"] and r[1].startswith("Antallet af svar er præcist.") for r in rows)
    # Every count a number within 2 of the truth and at most 8: the one who gave 2 may read 0 to 3,
    # the seven who gave 9 read 5 to 8; nobody gave 1, 3-8 or 10, and those zeros stay 0.
    assert set(values) == {str(n) for n in range(1, 11)}
    assert 5 <= int(values["9"]) <= 8 and 0 <= int(values["2"]) <= 3
    assert all(values[str(n)] == "0" for n in (1, 3, 4, 5, 6, 7, 8, 10))
    # The numbers the period published when it closed, which every staff page and download reads.
    database = db.connect(tmp_path / "data" / "brugerstemmen.sqlite3")
    decisions = db.published_decisions(database, centre["id"], 2025)[0]
    database.close()
    assert {n: str(decisions[("2025-W02", f"importance|{n}")][1]) for n in values} == values
    again = tmp_path / "again.csv"
    run_cli(env, "summary", "--centre", "nord", "--week", "2025-W02", "--output", str(again))
    assert again.read_bytes() == out.read_bytes()  # read again: the same numbers
    bad = run_cli(env, "summary", "--centre", "nord", "--week", "2025-Q1", check=False)
    assert bad.returncode == 1 and "is not a week" in bad.stderr
    future = run_cli(env, "summary", "--centre", "nord", "--period", "2099", check=False)
    assert future.returncode == 1 and "has not ended yet" in future.stderr


def test_a_lost_tablet_is_unpaired(env, tmp_path):
    from app import db

    info = json.loads(run_cli(env, "centre", "add", "Nord", "--slug", "nord", "--json").stdout)
    database = db.connect(tmp_path / "data" / "brugerstemmen.sqlite3")
    kiosk_token = db.pair_kiosk(database, info["kiosk_pairing_url"].rsplit("/", 1)[1], "Caféens tablet")
    (kiosk,) = json.loads(run_cli(env, "centre", "kiosks", "nord", "--json").stdout)
    assert kiosk["nickname"] == "Caféens tablet" and kiosk["id"] not in kiosk_token
    run_cli(env, "centre", "revoke-kiosk", "nord", kiosk["id"])
    assert db.centre_for_kiosk(database, kiosk_token) is None
    database.close()
    again = run_cli(env, "centre", "revoke-kiosk", "nord", kiosk["id"], check=False)
    assert again.returncode == 1 and "no tablet" in again.stderr


@pytest.mark.parametrize("args, message", [
    (["centre", "rotate-token", "nowhere"], "no centre with slug 'nowhere'"),
    (["centre", "pair-kiosk", "nowhere"], "no centre with slug 'nowhere'"),
    (["centre", "add", "Nord", "--slug", "Not A Slug"], "is not a usable slug"),
    (["centre", "add", "   "], "needs a name"),
])
def test_operator_mistakes_print_one_helpful_line(env, args, message):
    result = run_cli(env, *args, check=False)
    assert result.returncode != 0
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_a_duplicate_slug_is_refused(env):
    run_cli(env, "centre", "add", "Nord", "--slug", "nord")
    result = run_cli(env, "centre", "add", "Nord igen", "--slug", "nord", check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == "Error: a centre with slug 'nord' already exists; choose another with --slug"


def test_an_unwritable_data_dir_is_explained(env, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = run_cli({**env, "BRUGERSTEMMEN_DATA_DIR": str(blocker / "data")}, "init", check=False)
    assert result.returncode == 1
    assert "BRUGERSTEMMEN_DATA_DIR" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_bad_number_in_the_environment_is_explained(env):
    result = run_cli({**env, "BRUGERSTEMMEN_KIOSK_IDLE_SECONDS": "soon"}, "init", check=False)
    assert result.returncode == 1
    assert "BRUGERSTEMMEN_KIOSK_IDLE_SECONDS='soon' is not a valid value" in result.stderr


def leaf_commands(group, prefix=""):
    """(name, command) for every command an operator runs, at any depth (`hub centre add`)."""
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            yield from leaf_commands(command, f"{prefix}{name} ")
        else:
            yield f"{prefix}{name}", command


def readme_row(command):
    """The lines of the README's command list for `brugerstemmen COMMAND` (one per way to use it)."""
    rows = [line for line in README.read_text().splitlines()
            if line.startswith("| `brugerstemmen ") and re.match(rf"\| `brugerstemmen {re.escape(command)}( |`)", line)]
    return "\n".join(rows) or None


def test_every_command_has_help_and_is_in_the_readme_with_every_option(env):
    from app.cli import cli

    commands = dict(leaf_commands(cli))
    assert {"init", "serve", "demo", "centre add", "centre list", "centre rotate-token", "centre pair-kiosk",
            "hub centre add", "hub report", "sync"} <= set(commands)
    assert "Usage: brugerstemmen" in run_cli(env, "--help").stdout  # the installed console script
    # Each command's help from the same click command in this process (as the script prints it),
    # not 30 more starts of Python.
    for name, command in commands.items():
        result = run_cli_here(env, *name.split(), "--help", check=False)
        assert result.returncode == 0 and "Usage: brugerstemmen " + name in result.stdout, result.stdout + result.stderr
        row = readme_row(name)
        assert row, f"README's command list has no row for `brugerstemmen {name}`"
        # Every option the command's --help lists is in its row, and so is every argument.
        listed = set(re.findall(r"^\s+(--[a-z-]+)", result.stdout, re.M)) - {"--help"}
        assert listed == {o for p in command.params for o in p.opts if o.startswith("--")} - {"--help"}
        for option in listed:
            assert option in row, f"README's row for `brugerstemmen {name}` does not mention {option}"
        for argument in (p for p in command.params if p.param_type_name == "argument"):
            assert argument.name.upper() in row, f"README's row for `brugerstemmen {name}` lacks {argument.name.upper()}"


def test_the_readme_says_how_to_choose_the_port_and_the_address():
    readme = README.read_text()
    assert "make run PORT=" in readme and "make run HOST=" in readme
    makefile = (README.parent / "Makefile").read_text()
    assert re.search(r"^PORT\s+\?=", makefile, re.M) and re.search(r"^HOST\s+\?=", makefile, re.M)
    assert "--port $(PORT)" in makefile and "--host $(HOST)" in makefile


def test_the_makefile_gives_the_two_commands():
    makefile = (README.parent / "Makefile").read_text()
    assert re.search(r"^run:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    assert README.read_text().index("make run") < 600 and README.read_text().index("make test") < 800
    ci = (README.parent / ".ci" / "run").read_text()
    assert "make test" in ci
    assert subprocess.run(["bash", "-n", str(README.parent / ".ci" / "run")]).returncode == 0
