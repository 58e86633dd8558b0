"""Running the real server: gunicorn, with an access log that knows nothing about the client."""

import os
import re

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

# Survey and pairing tokens are keys: a log reader must not be able to use them.
_TOKEN_IN_PATH = re.compile(r"/(s|kiosk/pair)/[^/?]+")
ACCESS_LOG_FORMAT = "%(m)s %(U)s %(s)s %(B)s %(M)sms"


class PrivateLogger(Logger):
    """Access log lines hold method, path (tokens masked), status, size and duration only:
    no client address, user agent, referrer or clock time."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        kept = {key: atoms[key] for key in ("m", "s", "B", "M")}
        kept["U"] = _TOKEN_IN_PATH.sub(r"/\1/…", atoms["U"])
        return kept


def default_workers():
    # SQLite serialises writes anyway; a few workers with threads keep slow phones from
    # blocking each other without using a small box's memory up.
    return min(2 * (os.cpu_count() or 1) + 1, 4)


def options(host, port, workers):
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": 4,
        "timeout": 30,
        "graceful_timeout": 10,
        "accesslog": "-",
        "errorlog": "-",
        "loglevel": "info",
        "logger_class": PrivateLogger,
        "access_log_format": ACCESS_LOG_FORMAT,
        "limit_request_line": 4094,
        "limit_request_fields": 60,
    }


class Server(BaseApplication):
    def __init__(self, settings):
        self.settings = settings
        super().__init__()

    def load_config(self):
        for key, value in self.settings.items():
            self.cfg.set(key, value)
        if "control_socket_disable" in self.cfg.settings:
            self.cfg.set("control_socket_disable", True)  # gunicorn 27+: nothing to control remotely

    def load(self):
        # Runs in each worker after the fork: no database connection crosses it.
        from . import create_app

        return create_app()


def run(host, port, workers):
    Server(options(host, port, workers)).run()
