"""Write the posters' reference images that tests/test_posters.py compares against.

Run it only when a poster is meant to look different (a new layout, a new font version), then
look at every image it writes before committing them: they are the reviewed truth, right to left
and joined letters included.

    .venv/bin/python -m tests.poster_references
"""

import subprocess
import tempfile
from pathlib import Path

REFERENCE = Path(__file__).parent / "reference"
# A fixed poster: the same name, address and languages every time.
CENTRE = {"name": "Værestedet Solstrålen", "languages": ["da", "en", "ar", "uk", "pl", "fa"]}
URL = "https://stemme.example.dk/s/Wq3vG8kZpL0sT5yN2bHc7dJf4mXr9aEu"
SHORT_URL = "https://stemme.example.dk/k/K7M4-Q9TX"  # the address to type (app/short_codes.py)
LANGUAGES = ("da", "ar", "fa")
DPI = 50


def poster(language, shaping=True):
    """The fixed poster in `language`; shaping=False draws it as the posters once were (letters
    unjoined, right-to-left words left to right), to show that the comparison would catch it."""
    import contextlib
    from unittest import mock

    from fpdf import FPDF

    from app import create_app, posters

    unshaped = mock.patch.object(FPDF, "set_text_shaping", lambda *args, **kwargs: None)
    with tempfile.TemporaryDirectory() as folder, (contextlib.nullcontext() if shaping else unshaped):
        app = create_app({"TESTING": True, "DATA_DIR": folder, "RUNTIME_DIR": str(Path(folder) / "run")})
        with app.test_request_context():
            return posters.poster_pdf(CENTRE, URL, language, short_url=SHORT_URL)


def render(pdf, folder, name):
    """The poster as a grayscale picture at DPI dots per inch: a PNG file's path."""
    path = Path(folder) / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", "-png", "-singlefile", str(path), str(path.with_suffix(""))],
                   check=True)
    return path.with_suffix(".png")


def main():
    REFERENCE.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        for language in LANGUAGES:
            target = REFERENCE / f"poster-{language}.png"
            target.write_bytes(render(poster(language), folder, language).read_bytes())
            print(f"wrote {target}: look at it before committing")


if __name__ == "__main__":
    main()
