"""Pages, styles and scripts go out gzip-compressed to a browser that asks for it.

Phones on little data and a kiosk on flaky Wi-Fi get a quarter of the bytes, with or without
nginx in front (nginx passes a compressed answer on as it is). Only GET answers are compressed:
an answer to a POST can hold what the person just typed beside the form's token, the pairing
that BREACH-style attacks need; a GET page reflects nothing anyone else chose.
"""

import functools
import gzip

from flask import request

COMPRESSIBLE = {"text/html", "text/css", "text/javascript", "application/javascript", "image/svg+xml"}
MIN_BYTES = 1024
LEVEL = 6


def compress(response):
    if (request.method != "GET" or response.status_code != 200 or response.mimetype not in COMPRESSIBLE
            or "gzip" not in request.headers.get("Accept-Encoding", "").lower()
            or "Content-Encoding" in response.headers or "Range" in request.headers):
        return response
    response.direct_passthrough = False  # a static file: read it, to send it compressed
    source = response.response
    body = response.get_data()
    if hasattr(source, "close"):  # the file a static answer was read from
        source.close()
    if len(body) < MIN_BYTES:
        return response
    etag, _ = response.get_etag()
    response.set_data(_gzip_static(body, etag) if etag else _gzip(body))
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    if etag:  # the compressed bytes are another representation of the same file
        response.set_etag(f"{etag}-gzip")
        response.make_conditional(request)  # a browser that has them already gets a 304
    return response


def _gzip(body):
    return gzip.compress(body, LEVEL, mtime=0)


@functools.lru_cache(maxsize=64)
def _gzip_static(body, etag):
    # A static file (it has an ETag) is compressed once per version, not on every request.
    return _gzip(body)
