"""The printable A4 poster with the centre's QR code.

The QR code is drawn as vector squares, not a scaled picture, so it prints crisply on any
office printer at any size. The fonts are DejaVu Sans, shipped in app/fonts (free licence),
so a poster looks the same on every installation.
"""

import functools
import io
from pathlib import Path

import qrcode
from flask_babel import force_locale, format_percent, gettext as _
from fpdf import FPDF, XPos, YPos

FONTS = Path(__file__).parent / "fonts"
ICONS = Path(__file__).parent / "static" / "icons"
QR_SIZE_MM = 110


def _invitation(language):
    with force_locale(language):
        return (_("What does this place mean to you?"),
                _("Scan the code with your phone and answer anonymously in a few taps."),
                _("Anonymous: we do not save your name, your phone or when you answered."))


def poster_pdf(centre, survey_url):
    pdf = _a4(f"Brugerstemmen · {centre['name']}")

    line = functools.partial(_line, pdf)
    question, invitation, anonymity = _invitation("da")
    line(centre["name"], 30, 13, bold=True)
    line(question, 22, 11, bold=True, space_before=4)
    line(invitation, 15, 8)
    _draw_qr(pdf, survey_url, x=(pdf.w - QR_SIZE_MM) / 2, y=pdf.get_y() + 4, size=QR_SIZE_MM)
    pdf.set_y(pdf.get_y() + QR_SIZE_MM + 6)
    line(_("Or type this address:"), 11, 6)
    # The address must stay on one line to be typed: smaller type rather than a break.
    size = 12.0
    pdf.set_font("DejaVu", "B", size)
    while pdf.get_string_width(survey_url) > pdf.epw - 2 * pdf.c_margin and size > 7:
        size -= 0.5
        pdf.set_font("DejaVu", "B", size)
    line(survey_url, size, 6, bold=True)
    line(anonymity, 13, 7, space_before=6)
    for language in centre["languages"]:
        if language != "da":
            question, invitation, _anonymity = _invitation(language)
            line(f"{question} {invitation}", 11, 6, space_before=3)
    return bytes(pdf.output())


def said_poster_pdf(centre, period, said, replies, survey_url):
    """The A4 "you said - we did" poster for the wall: the period's published facts, the staff's
    reply (Danish first, then the other languages they wrote), and the code to answer again."""
    from .formatting import period_label  # formatting needs an app context, as every caller has

    pdf = _a4(f"Brugerstemmen · {centre['name']}")

    line = functools.partial(_line, pdf)
    with force_locale("da"):
        line(centre["name"], 20, 9, bold=True)
        line(_("You said – we did"), 34, 15, bold=True, space_before=2)
        line(period_label(period), 14, 7)
        if said:
            facts = [("users", _("Answers: %(count)s", count=said.answers))]
            if said.share_top is not None:
                facts.append(("heart", _("For %(share)s, this place means very much (9 or 10).",
                                         share=format_percent(said.share_top))))
            if said.reasons:
                facts.append((said.reasons[0].pictogram,
                              _("They come most often for:") + " " + ", ".join(_(o.text) for o in said.reasons)))
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
        if replies.get("da"):
            line(_("We did"), 20, 9, bold=True, space_before=6, align="L")
            line(replies["da"], 18, 9, align="L")
        for language, text in replies.items():
            if language != "da":
                line(text, 12, 6, space_before=3, align="L")
        size = 60
        _draw_qr(pdf, survey_url, x=(pdf.w - size) / 2, y=max(pdf.get_y() + 8, 200), size=size)
        pdf.set_y(max(pdf.get_y() + 8, 200) + size + 2)
        line(_("Answer again: scan the code with your phone."), 13, 7)
    return bytes(pdf.output())


def _line(pdf, text, size, height, bold=False, space_before=0, align="C"):
    """A paragraph across the page, centred unless told otherwise."""
    pdf.set_y(pdf.get_y() + space_before)
    pdf.set_font("DejaVu", "B" if bold else "", size)
    pdf.multi_cell(0, height, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


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
    pdf.set_auto_page_break(False)
    pdf.set_margins(20, 18, 20)
    pdf.add_page()
    return pdf


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
