"""The package build compiles the message catalogues, so that `pip install .` (and a wheel)
speaks Danish without make: the .po files are committed, the .mo files are built here.

Everything else about the package is in pyproject.toml.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

CATALOGUES = Path("app") / "translations"


class BuildWithCatalogues(build_py):
    def run(self):
        super().run()
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for source in sorted(CATALOGUES.glob("*/LC_MESSAGES/messages.po")):
            target = Path(self.build_lib) / source.with_suffix(".mo")
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(source, "rb") as po, open(target, "wb") as mo:
                write_mo(mo, read_po(po, locale=source.parent.parent.name))  # as `pybabel compile`: no fuzzy entries


setup(cmdclass={"build_py": BuildWithCatalogues})
