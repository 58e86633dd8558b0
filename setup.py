"""The package build puts the message catalogues inside the package, so that `pip install .`
(and a wheel) speaks Danish without make: the .po files are committed in the top-level
translations/ folder, and the .mo files are compiled here, beside them, in app/translations/.

Everything else about the package is in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

CATALOGUES = Path("translations")


class BuildWithCatalogues(build_py):
    def run(self):
        super().run()
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        packaged = Path(self.build_lib) / "app" / "translations"
        for template in sorted(CATALOGUES.glob("*.pot")):  # respondent.pot: what the staff page counts
            packaged.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(template, packaged / template.name)
        for source in sorted(CATALOGUES.glob("*/LC_MESSAGES/messages.po")):
            target = packaged / source.relative_to(CATALOGUES)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)  # the staff page reads each language's coverage from it
            with open(source, "rb") as po, open(target.with_suffix(".mo"), "wb") as mo:
                write_mo(mo, read_po(po, locale=source.parent.parent.name))  # as `pybabel compile`: no fuzzy entries


setup(cmdclass={"build_py": BuildWithCatalogues})
