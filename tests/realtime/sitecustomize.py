"""Runs at the start of every Python process a test run starts (the server, the CLI): it watches
the app's calendar (calendar_watch.py) and, under `pytest --real-time`, moves the real clock by
the offset chosen, so that they all agree with the tests on what day it is. On PYTHONPATH only
while the tests run; never part of the installed app."""

import os

import calendar_watch

calendar_watch.start()

_offset = os.environ.get("BRUGERSTEMMEN_TEST_CLOCK_OFFSET")
if _offset:
    import time

    import time_machine

    time_machine.travel(time.time() + float(_offset), tick=True).start()
