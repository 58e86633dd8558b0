"""The staff guide's pictures (docs/staff-guide.md), taken from the real pages in headless Chromium:
the centre's home, a summary with its period picker folded and open, the Team page's invitation,
on a 390 px phone; and a quarter's summary on a 1366 px screen.

Every run takes them and checks each is the size the guide expects. They are written into
docs/images only when asked (`make guide-images`), so an ordinary test run leaves the checkout
alone: the figures differ a little from run to run (the protection's noise), the sizes never."""

import io
import os
from pathlib import Path

import pytest
from PIL import Image

from .test_browser_staff_phone import PHONE, installation, sign_in  # noqa: F401 (the installation is a fixture)

pytestmark = pytest.mark.browser

IMAGES = Path(__file__).resolve().parent.parent / "docs" / "images"
GUIDE = Path(__file__).resolve().parent.parent / "docs" / "staff-guide.md"
DESKTOP = {"width": 1366, "height": 768}


def save(png, name, size, folder):
    """The screenshot as a small palette PNG (a page is a few flat colours)."""
    image = Image.open(io.BytesIO(png))  # in memory: nothing to close
    assert image.size == (size["width"], size["height"]), (name, image.size)
    small = image.convert("RGB").quantize(colors=64, method=Image.Quantize.MEDIANCUT)
    path = folder / name
    small.save(path, optimize=True)
    return path


def size_of(path):
    with Image.open(path) as image:
        return image.size


def test_the_staff_guides_pictures_are_the_pages_as_they_are(installation, browser, tmp_path):  # noqa: F811
    folder = IMAGES if os.environ.get("BRUGERSTEMMEN_GUIDE_IMAGES") else tmp_path
    folder.mkdir(exist_ok=True)
    taken = []
    for viewport, shots in ((PHONE, "phone"), (DESKTOP, "desktop")):
        context = browser.new_context(viewport=viewport, device_scale_factor=1)
        page = context.new_page()
        try:
            sign_in(page, installation)
            if shots == "phone":
                page.goto(installation.url + "/staff/c/nord/?lang=da")
                taken.append(save(page.screenshot(), "staff-home-phone.png", viewport, folder))
                page.goto(installation.url + "/staff/c/nord/summary/2027-W05?lang=da")
                taken.append(save(page.screenshot(), "staff-summary-phone.png", viewport, folder))
                page.goto(installation.url + "/staff/c/nord/summary/2026-Q4?lang=da")
                page.locator(".period-picker details summary").click()
                page.locator(".period-picker").scroll_into_view_if_needed()
                taken.append(save(page.screenshot(), "staff-picker-phone.png", viewport, folder))
                page.goto(installation.url + "/staff/c/nord/team?lang=da")
                page.locator("input#email").fill("ny.kollega@nord.example")
                page.locator("form.narrow button[type=submit]").click()
                page.locator(".invite-link").scroll_into_view_if_needed()
                taken.append(save(page.screenshot(), "staff-invite-phone.png", viewport, folder))
            else:
                page.goto(installation.url + "/staff/c/nord/summary/2026-Q4?lang=da")
                taken.append(save(page.screenshot(), "staff-summary-desktop.png", viewport, folder))
        finally:
            context.close()
    guide = GUIDE.read_text()
    for path in taken:
        assert f"images/{path.name}" in guide, path.name  # the guide shows each
        kept = IMAGES / path.name
        assert kept.exists() and size_of(kept) == size_of(path), path.name
        assert kept.stat().st_size < 120_000, path.name  # small enough for a guide in the repository
