"""Notes every time the app reads the real calendar (app/clock.py with no CLOCK setting), in the
tests' own process and in every server and command they start, so that a test which depends on
the date is known to: conftest.py fails such a test unless it is marked `calendar`, and `make
test` runs exactly the marked ones again under other dates (issue 29: the sweep costs what is
date-dependent, not every test near a date)."""

import importlib.abc
import importlib.util
import os
import sys

LOG = "BRUGERSTEMMEN_TEST_CALENDAR_LOG"


def watch(clock):
    """Wraps app.clock.now (today() calls it too): each real-calendar reading adds a line to the log."""
    if getattr(clock.now, "watched", False):
        return
    read = clock.now

    def now():
        found = read()
        if not clock.current_app.config.get("CLOCK"):
            try:
                with open(os.environ[LOG], "a") as log:
                    log.write(f"{os.getpid()}\n")
            except OSError:
                pass  # a test that fills the disk, or limits a server's file sizes, must not fail for this note
        return found

    now.watched = True
    clock.now = now


class _WatchOnImport(importlib.abc.MetaPathFinder):
    """Watches app.clock as it is imported, so that a process need not import the app to be watched."""

    def find_spec(self, name, path, target=None):
        if name != "app.clock":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        load = spec.loader.exec_module

        def exec_module(module):
            load(module)
            watch(module)

        spec.loader.exec_module = exec_module
        return spec


def start():
    if os.environ.get(LOG):
        if "app.clock" in sys.modules:
            watch(sys.modules["app.clock"])
        else:
            sys.meta_path.insert(0, _WatchOnImport())
