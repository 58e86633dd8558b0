"""The printable A4 posters: the survey's QR code, and "you said - we did".

The QR code is drawn as vector squares, not a scaled picture, so it prints crisply on any
office printer at any size. Latin and Cyrillic text is set in DejaVu Sans, shipped in app/fonts;
Arabic and Farsi in Noto Sans Arabic from Debian's fonts-noto-core (the Makefile and
deploy/install.sh install it). Every line goes through HarfBuzz (fpdf2's text shaping, with
uharfbuzz), which joins Arabic letters and, with fpdf2's Unicode bidi algorithm, orders
right-to-left text as it is read. So a poster looks the same, and right, in every language.
"""

import functools
import io
from pathlib import Path

import qrcode
from flask_babel import force_locale, format_percent, gettext as _
from fpdf import FPDF, XPos, YPos

from .plain_text import without_control_characters

FONTS = Path(__file__).parent / "fonts"
ICONS = Path(__file__).parent / "static" / "icons"
# Debian's fonts-noto-core. Looked up here, not copied into the project, so security updates
# of the font come with the system's.
ARABIC_FONT_DIRS = (Path("/usr/share/fonts/truetype/noto"), Path("/usr/share/fonts/noto"))
RIGHT_TO_LEFT = {"ar", "fa"}
# Arabic letters in Noto Sans Arabic look smaller than Latin ones in DejaVu at the same size.
ARABIC_SCALE = 1.15
QR_SIZES_MM = (110, 100, 90, 80)  # the largest that leaves room for every language's line


class FontMissing(RuntimeError):
    """A font a poster needs is not installed (the message says which package has it)."""


def _invitation(language):
    with force_locale(language):
        return {"question": _("What does this place mean to you?"),
                "invitation": _("Scan the code with your phone and answer anonymously in a few taps."),
                "camera": _("Hold your phone's camera over the square."),
                "type": _("Or type this address:"),
                "anonymity": _("Anonymous: we do not save your name, your phone or when you answered."),
                # The label of this language's line on another language's poster: "På dansk:".
                "label": _("In this language:")}


def poster_pdf(centre, survey_url, language="da", languages=None, short_url=None):
    """The A4 QR poster in `language`, with one line in each other language the centre offers.

    The QR code encodes `survey_url`; under it, `short_url` (links.short_url: the centre's short
    code) is the address to type for a camera that does not read the code.

    The layout is the same in every language: only the QR code shrinks, and only when the
    centre offers so many languages that their lines would not fit below it.
    """
    others = [code for code in (languages or centre["languages"]) if code != language]
    for qr_size in QR_SIZES_MM:
        pdf = _a4(f"Brugerstemmen · {centre['name']}")
        if _survey_poster(pdf, centre, survey_url, short_url or survey_url, language, others, qr_size):
            break
    return bytes(pdf.output())


def _survey_poster(pdf, centre, survey_url, typed_url, language, others, qr_size):
    text = _invitation(language)
    line = functools.partial(_line, pdf, language=language)
    name = without_control_characters(centre["name"])  # one stored before they were refused
    _line(pdf, name, 30, 13, bold=True, language=_language_of(name))
    line(text["question"], 22, 11, bold=True, space_before=4)
    line(text["invitation"], 15, 8)
    _draw_qr(pdf, survey_url, x=(pdf.w - qr_size) / 2, y=pdf.get_y() + 4, size=qr_size)
    pdf.set_y(pdf.get_y() + qr_size + 5)
    line(text["camera"], 11, 6)
    line(text["type"], 11, 6, space_before=1)
    # The address must stay on one line to be typed: smaller type rather than a break.
    size = 16.0 if typed_url != survey_url else 12.0
    pdf.set_font("DejaVu", "B", size)
    while pdf.get_string_width(typed_url) > pdf.epw - 2 * pdf.c_margin and size > 7:
        size -= 0.5
        pdf.set_font("DejaVu", "B", size)
    _line(pdf, typed_url, size, 7 if size > 12 else 6, bold=True, language="en")
    line(text["anonymity"], 13, 7, space_before=6)
    for other in others:
        their = _invitation(other)
        _line(pdf, f"{their['label']} {their['question']} {their['invitation']} {their['camera']}", 11, 5.5,
              space_before=2.5, language=other)
    return pdf.get_y() <= pdf.h - pdf.b_margin


def said_poster_pdf(centre, period, said, replies, survey_url, short_url=None):
    """The A4 "you said - we did" poster for the wall: the period's published facts, the staff's
    reply (Danish first, then the other languages they wrote), and the code to answer again."""
    from .formatting import period_label  # formatting needs an app context, as every caller has

    pdf = _a4(f"Brugerstemmen · {centre['name']}")

    line = functools.partial(_line, pdf)
    with force_locale("da"):
        line(without_control_characters(centre["name"]), 20, 9, bold=True)
        line(_("You said – we did"), 34, 15, bold=True, space_before=2)
        line(period_label(period), 14, 7)
        if said:
            facts = [("users", _("Answers: %(count)s", count=said.answers))]
            if said.share_top is not None:
                share = format_percent(said.share_top)
                facts.append(("heart", _("For about %(share)s, this place means very much (9 or 10).", share=share)
                              if said.perturbed else _("For %(share)s, this place means very much (9 or 10).",
                                                       share=share)))
            if said.reasons:
                facts.append((said.reasons[0].pictogram,
                              _("The most common reasons to come:") + " " + ", ".join(_(o.text) for o in said.reasons)))
            if said.wish:
                facts.append((said.wish.pictogram, _("Wished for most:") + " " + _(said.wish.text)))
            line(_("You said"), 20, 9, bold=True, space_before=6, align="L")
            for pictogram, fact in facts:
                top = pdf.get_y() + 2
                _draw_pictogram(pdf, pictogram, x=pdf.l_margin, y=top, size=10)
                pdf.set_xy(pdf.l_margin + 14, top)
                pdf.set_font("DejaVu", "", 16)
                pdf.multi_cell(pdf.epw - 14, 8, fact, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                pdf.set_y(max(pdf.get_y(), top + 11))
            if said.perturbed:
                line(_("Only the number of answers is exact: the other figures are changed a little, so that nobody "
                       "can be recognised."), 11, 6, align="L")
        if replies.get("da"):
            line(_("We did"), 20, 9, bold=True, space_before=6, align="L")
            line(replies["da"], 18, 9, align="L")
        for language, text in replies.items():
            if language != "da":
                line(text, 12, 6, space_before=3, align="R" if language in RIGHT_TO_LEFT else "L", language=language)
        size = 60
        _draw_qr(pdf, survey_url, x=(pdf.w - size) / 2, y=max(pdf.get_y() + 8, 200), size=size)
        pdf.set_y(max(pdf.get_y() + 8, 200) + size + 2)
        line(_("Answer again: scan the code with your phone."), 13, 7)
        if short_url:  # for a camera that does not read the code
            line(f"{_('Or type this address:')} {short_url}", 11, 6)
    return bytes(pdf.output())


def _line(pdf, text, size, height, bold=False, space_before=0, align="C", language="da"):
    """A paragraph across the page, centred unless told otherwise, in the font of its language."""
    pdf.set_y(pdf.get_y() + space_before)
    if language in RIGHT_TO_LEFT:
        pdf.set_font("NotoArabic", "B" if bold else "", size * ARABIC_SCALE)
    else:
        pdf.set_font("DejaVu", "B" if bold else "", size)
    pdf.multi_cell(0, height, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _language_of(text):
    """Right to left for a name written in Arabic letters; any other script is set in DejaVu."""
    return "ar" if any("\u0600" <= character <= "\u06ff" for character in text) else "da"


def _draw_pictogram(pdf, name, x, y, size):
    """One of the survey's own pictograms (Tabler Icons), drawn as vectors in the accent colour."""
    svg = (ICONS / f"{name}.svg").read_text().replace("currentColor", "#0b5d50")
    pdf.image(io.BytesIO(svg.encode()), x=x, y=y, w=size, h=size)


def _a4(title):
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_title(title)
    pdf.set_creator("Brugerstemmen")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.add_font("NotoArabic", "", str(_arabic_font("NotoSansArabic-Regular.ttf")))
    pdf.add_font("NotoArabic", "B", str(_arabic_font("NotoSansArabic-Bold.ttf")))
    # A Latin word (an address, "QR") in an Arabic line, and the other way round, finds its letters.
    pdf.set_fallback_fonts(["DejaVu", "NotoArabic"])
    pdf.set_text_shaping(True)
    pdf.set_auto_page_break(False)
    pdf.set_margins(20, 18, 20)
    pdf.add_page()
    return pdf


def _arabic_font(name):
    for folder in ARABIC_FONT_DIRS:
        if (folder / name).is_file():
            return folder / name
    raise FontMissing(f"{name} is not installed: install the Debian package fonts-noto-core")


def _draw_qr(pdf, url, x, y, size):
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(url)
    code.make(fit=True)
    matrix = code.get_matrix()  # includes the quiet zone
    module = size / len(matrix)
    pdf.set_fill_color(0, 0, 0)
    for row, modules in enumerate(matrix):
        column = 0
        while column < len(modules):
            if not modules[column]:
                column += 1
                continue
            run = column
            while run < len(modules) and modules[run]:
                run += 1
            # One rectangle per run of dark modules: fewer seams for a printer to show.
            pdf.rect(x + column * module, y + row * module, (run - column) * module, module, style="F")
            column = run
