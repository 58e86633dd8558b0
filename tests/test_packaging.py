"""Installed as a packager or an operator without make would (`pip install .`), the app
speaks Danish: the package build compiles the catalogues (setup.py)."""

import csv
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_a_wheel_built_by_pip_carries_the_catalogues_and_its_install_writes_danish(tmp_path):
    dist = tmp_path / "dist"
    # pip builds the wheel as `pip install .` does: in its own environment, from pyproject.toml.
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(dist), str(ROOT)],
                   check=True, capture_output=True, text=True, timeout=600)
    (wheel,) = dist.glob("brugerstemmen-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for language in ("da", "en", "ar", "fa", "pl", "uk"):
        assert f"app/translations/{language}/LC_MESSAGES/messages.mo" in names
        assert f"app/translations/{language}/LC_MESSAGES/messages.po" in names  # the staff page reads coverage from it
    assert "app/translations/respondent.pot" in names

    # A fresh environment holding the wheel alone; its dependencies are borrowed from this one
    # (a plain path in a .pth file: this environment's editable install of the source is not).
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    site = Path(subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               check=True, capture_output=True, text=True).stdout.strip())
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--target", str(site),
                    str(wheel)], check=True, capture_output=True, timeout=300)
    (site / "borrowed.pth").write_text(sysconfig.get_path("purelib") + "\n")
    env = {**os.environ, "BRUGERSTEMMEN_DATA_DIR": str(tmp_path / "data"), "BRUGERSTEMMEN_CLOCK": "2026-11-25T12:00:00"}
    python = str(venv / "bin" / "python")
    # Run from elsewhere: `python -c` would find the source tree's app in the current folder.
    where = subprocess.run([python, "-c", "import app; print(app.__file__)"], env=env, cwd=tmp_path, check=True,
                           capture_output=True, text=True).stdout
    assert where.startswith(str(site)), where  # the installed copy, not the source tree

    command = [python, "-c", "from app.cli import main; main()"]
    subprocess.run([*command, "demo"], env=env, cwd=tmp_path, check=True, capture_output=True, timeout=300)
    for language, header in (("da", "Spørgsmål"), ("en", "Question")):
        out = tmp_path / f"summary-{language}.csv"
        subprocess.run([*command, "summary", "--centre", "demo", "--week", "2026-W47", "--output", str(out),
                        "--language", language], env=env, cwd=tmp_path, check=True, capture_output=True, timeout=300)
        rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
        assert header in [row[0] for row in rows if row]
