"""kiosk/: the Linux tablet setup, run against stand-ins for systemctl, Chromium and friends."""

import configparser
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from app import db

from .conftest import csrf_token

KIOSK = Path(__file__).parent.parent / "kiosk"
SCRIPTS = sorted(KIOSK.glob("*.sh"))
PAIRING_URL = "https://stemme.example.dk/kiosk/pair/abc123"


def test_the_scripts_pass_shellcheck():
    assert SCRIPTS, "no scripts in kiosk/"
    if shutil.which("shellcheck") is None:
        pytest.fail("shellcheck is not installed: `make test` installs it")
    result = subprocess.run(["shellcheck", "--shell=sh", *map(str, SCRIPTS)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


@pytest.fixture
def machine(tmp_path):
    """A home folder and a PATH whose systemctl, chromium, xset, gsettings and id only write down
    how they were called."""
    home, bin_dir, calls = tmp_path / "home", tmp_path / "bin", tmp_path / "calls"
    home.mkdir()
    bin_dir.mkdir()
    for name in ("systemctl", "chromium", "xset", "gsettings"):
        stub = bin_dir / name
        stub.write_text(f'#!/bin/sh\necho "{name} $*" >> "{calls}"\n')
        stub.chmod(0o755)
    (bin_dir / "id").write_text("#!/bin/sh\necho 1000\n")  # a desktop user, whoever runs the tests
    (bin_dir / "id").chmod(0o755)
    env = {"HOME": str(home), "PATH": f"{bin_dir}:/usr/bin:/bin", "DISPLAY": ":0"}

    def run(script, *args):
        return subprocess.run(["sh", str(KIOSK / script), *args], env=env, capture_output=True, text=True)

    def called():
        return calls.read_text().splitlines() if calls.exists() else []

    return home, run, called


def test_install_sets_up_a_user_service_that_opens_the_pairing_link(machine):
    home, run, called = machine
    result = run("install-kiosk.sh", PAIRING_URL)
    assert result.returncode == 0, result.stderr
    assert (home / ".config/brugerstemmen-kiosk/kiosk.env").read_text() == f"KIOSK_URL={PAIRING_URL}\n"
    started = home / ".local/bin/brugerstemmen-start-kiosk"
    assert os.access(started, os.X_OK)
    unit = configparser.ConfigParser(interpolation=None)
    unit.read(home / ".config/systemd/user/brugerstemmen-kiosk.service")
    service = unit["Service"]
    # The unit runs what the installer put in place, with the URL it wrote down, and comes back.
    assert service["ExecStart"] == "%h/.local/bin/brugerstemmen-start-kiosk ${KIOSK_URL}"
    assert service["EnvironmentFile"] == "%h/.config/brugerstemmen-kiosk/kiosk.env"
    assert service["Restart"] == "always"
    assert unit["Install"]["WantedBy"] == "graphical-session.target"
    assert unit["Unit"]["StartLimitIntervalSec"] == "0"
    assert called() == ["gsettings set org.gnome.desktop.session idle-delay 0",
                        "gsettings set org.gnome.desktop.screensaver lock-enabled false",
                        "systemctl --user daemon-reload",
                        "systemctl --user enable --now brugerstemmen-kiosk.service"]


@pytest.mark.parametrize("args", [(), ("stemme.example.dk/kiosk/",), ("--help",)])
def test_install_without_a_link_says_what_it_needs(machine, args):
    _home, run, called = machine
    result = run("install-kiosk.sh", *args)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "pairing link" in result.stderr
    assert called() == []


def test_the_kiosk_starts_chromium_locked_full_screen_with_the_screen_kept_on(machine):
    home, run, called = machine
    profile = home / ".config/brugerstemmen-kiosk/profile/Default"
    profile.mkdir(parents=True)
    (profile / "Preferences").write_text('{"profile":{"exit_type":"Crashed","exited_cleanly":false}}')
    result = run("start-kiosk.sh", PAIRING_URL)
    assert result.returncode == 0, result.stderr
    xset, chromium = called()
    assert xset == "xset s off s noblank -dpms"
    flags = chromium.split()
    assert flags[0] == "chromium" and flags[-1] == PAIRING_URL
    assert {"--kiosk", "--no-first-run", "--noerrdialogs", "--disable-pinch",
            f"--user-data-dir={home}/.config/brugerstemmen-kiosk/profile"} <= set(flags)
    # After a power cut it starts clean, with no "restore pages?" bubble over the survey.
    assert "Crashed" not in (profile / "Preferences").read_text()


@pytest.mark.calendar
def test_a_paired_tablet_started_with_its_spent_pairing_link_goes_on_to_the_kiosk(data_dir, database, make_centre):
    from app import create_app

    app = create_app({"TESTING": True, "DATA_DIR": str(data_dir)})
    tablet, stranger = app.test_client(), app.test_client()
    link = db.create_pairing(database, make_centre()["id"], ttl_hours=1)
    page = tablet.get(f"/kiosk/pair/{link}").get_data(as_text=True)
    assert tablet.post(f"/kiosk/pair/{link}", data={"csrf_token": csrf_token(page)}).status_code == 303
    again = tablet.get(f"/kiosk/pair/{link}")  # the kiosk service restarts with the same link
    assert again.status_code == 303 and again.headers["Location"].endswith("/kiosk/")
    assert stranger.get(f"/kiosk/pair/{link}").status_code == 410  # spent, for anyone else
