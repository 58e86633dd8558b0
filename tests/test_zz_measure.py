import json
import pytest
from .test_browser_staff_phone import installation, CENTRE_PAGES, HUB_PAGES, overflow, PASSWORD  # noqa
pytestmark = pytest.mark.browser

def test_measure(installation, browser):
    out = {}
    for vp in ({"width": 390, "height": 844}, {"width": 1366, "height": 768}):
        context = browser.new_context(viewport=vp)
        page = context.new_page()
        page.goto(installation.url + "/staff/login")
        page.get_by_label("E-mail").fill("leder@nord.example")
        page.locator("input[type=password]").fill(PASSWORD)
        page.locator("form button[type=submit]").click()
        page.wait_for_selector("h1")
        for path in CENTRE_PAGES + HUB_PAGES:
            page.goto(installation.url + path)
            o = overflow(page)
            m = page.evaluate("""() => { const p = document.querySelector('.period-picker'); const t = document.querySelector('.total');
              return {picker: p ? Math.round(p.getBoundingClientRect().height) : null,
                      links: p ? p.querySelectorAll('a').length : null,
                      total_top: t ? Math.round(t.getBoundingClientRect().top) : null}; }""")
            out[f"{vp['width']} {path}"] = {**o, **m}
        context.close()
    print("MEASURE " + json.dumps(out, indent=0))
