"""Public addresses (for printed links, QR codes and the terminal) and the QR codes themselves."""

import base64
import io
from pathlib import Path

import qrcode
import qrcode.image.svg
from flask import current_app, url_for


def public_url(endpoint, **values):
    """An absolute URL under BRUGERSTEMMEN_BASE_URL, the address people's phones can reach."""
    with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
        return url_for(endpoint, _external=True, **values)


def survey_url(centre):
    return public_url("survey.phone", token=centre["survey_token"])


def short_url(centre):
    """The short address printed under the QR code, to type: it leads to survey_url."""
    from .short_codes import shown

    return public_url("survey.short_code", code=shown(centre["short_code"]))


def pairing_url(token):
    return public_url("survey.pair_kiosk", token=token)


def _qr(url):
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=4)
    code.add_data(url)
    code.make(fit=True)
    return code


def qr_svg(url):
    out = io.BytesIO()
    _qr(url).make_image(image_factory=qrcode.image.svg.SvgPathImage).save(out)
    return out.getvalue()


def qr_data_uri(url):
    """The QR code as an SVG data: address, to show in a page as it is: no request leaves the
    page for it, and the CSP allows data: images and nothing inline that runs."""
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(url)).decode("ascii")


def qr_png(url):
    out = io.BytesIO()
    _qr(url).make_image().save(out)
    return out.getvalue()


def write_qr_files(url, slug):
    """Write the centre's survey QR code as SVG and PNG; returns the two paths."""
    folder = Path(current_app.config["DATA_DIR"]) / "qr"
    folder.mkdir(exist_ok=True)
    svg_path, png_path = folder / f"{slug}.svg", folder / f"{slug}.png"
    svg_path.write_bytes(qr_svg(url))
    png_path.write_bytes(qr_png(url))
    return svg_path, png_path


def terminal_qr(url):
    """The QR code drawn with block characters, light on dark as most terminals are."""
    out = io.StringIO()
    code = _qr(url)
    code.border = 2
    code.print_ascii(out=out, invert=True)
    return out.getvalue()
