"""Moves the real clock of every Python process a test run starts (the server, the CLI) by the
offset `pytest --real-time` chose, so that they all agree with the tests on what day it is.
Only on PYTHONPATH while such a run lasts; never part of the installed app."""

import os

_offset = os.environ.get("BRUGERSTEMMEN_TEST_CLOCK_OFFSET")
if _offset:
    import time

    import time_machine

    time_machine.travel(time.time() + float(_offset), tick=True).start()
