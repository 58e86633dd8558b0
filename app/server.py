"""Running the real server: gunicorn, with no access log and an error log that knows nothing
about the client."""

import os
import re
import shutil
import tempfile
from pathlib import Path

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from . import config
from .db import counters
from .logs import LineFormatter
from .privacy import mask_tokens


class PrivateLogger(Logger):
    """No access log at all: its line per request is the time of an answer (app/logs.py). The
    error log loses its clock time and any client address gunicorn puts in a message ("Invalid
    request from ip=..."); under systemd each line says its priority."""

    error_fmt = r"[%(process)d] [%(levelname)s] %(message)s"

    def setup(self, cfg):
        super().setup(cfg)
        self.error_log.addFilter(_forget_clients_and_tokens)
        for handler in self.error_log.handlers:
            handler.setFormatter(LineFormatter(self.error_fmt))

    def access(self, resp, req, environ, request_time):
        pass  # never, whatever the settings say


_CLIENT_ADDRESS = re.compile(r"\bip=[^\s:]*(?::[0-9a-f:]*)?", re.IGNORECASE)


def _forget_clients_and_tokens(record):
    # gunicorn names the request in some errors ("Error handling request /s/<token>").
    message = record.getMessage()
    private = mask_tokens(_CLIENT_ADDRESS.sub("ip=…", message))
    if private != message:
        record.msg, record.args = private, None
    return True


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
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "info",
        "logger_class": PrivateLogger,
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
        from . import create_app, db

        app = create_app()
        # One connection held for the worker's life, never used: SQLite makes its WAL and
        # shared-memory files when a first connection opens and deletes them when the last
        # closes, and a file made by a person's request would carry that moment in its times.
        app.extensions["brugerstemmen.keeper"] = db.connect(db.path_in(app.config["DATA_DIR"]))
        return app


def run(host, port, workers, runtime_dir=""):
    """Serve until stopped. The anti-stuffing counters (app/stuffing.py) get a folder of their own
    on a tmpfs, made afresh for this start and removed at its end: a restart forgets them, and
    every worker, forked from here, shares the one folder."""
    base = runtime_dir or config.runtime_base()
    Path(base).mkdir(mode=0o700, parents=True, exist_ok=True)
    folder = tempfile.mkdtemp(prefix="brugerstemmen-", dir=base)  # mode 0700
    # Made here, once: workers opening a new file all at once could trip over each other.
    counters.open_counters(folder).close()
    os.environ[config.ENV_PREFIX + "RUNTIME_DIR"] = folder
    master = os.getpid()
    try:
        Server(options(host, port, workers)).run()
    finally:
        # A worker leaves through here too (gunicorn ends it with SystemExit): only the master,
        # stopping for good, removes what every worker shares.
        if os.getpid() == master:
            shutil.rmtree(folder, ignore_errors=True)
