"""What a sync round costs (issue 29): `brugerstemmen sync` timed for N centres on one
installation connected to one hub, both real servers on 127.0.0.1: the first round, a round with
nothing new, and the round after one more week closes. Figures, not pass/fail:

    .venv/bin/python -m tests.bench_sync 24
"""

import json
import sys
import tempfile
import time
from pathlib import Path

from tests.conftest import LiveServer, Respondent

ANSWERS_PER_CENTRE = 15  # in 2026-W47


def add_centres(installation, hub, count):
    for i in range(count):
        slug = f"c{i:03d}"
        centre = json.loads(installation.cli("centre", "add", f"Værested {i}", "--slug", slug, "--json").stdout)
        issued = json.loads(hub.cli("hub", "centre", "add", f"Værested {i}", "--code", f"LVS-{i}",
                                    "--org-form", "user-driven", "--municipality", "Aarhus",
                                    "--municipality-type", "large-city", "--json").stdout)
        installation.cli("centre", "connect", slug, "--hub-url", hub.url, "--centre-id", issued["centre_id"],
                         "--key-stdin", stdin=issued["key"] + "\n")
        for n in range(ANSWERS_PER_CENTRE):
            Respondent().answer(centre["survey_url"], {"importance": str(1 + n % 10), "reasons": ["meal"],
                                                       "frequency": "daily"})


def timed_round(installation, label, clock):
    installation.stop()
    installation.env["BRUGERSTEMMEN_CLOCK"] = clock
    installation.start()
    started = time.monotonic()
    report = json.loads(installation.cli("sync", "--json").stdout)
    took = time.monotonic() - started
    sent = sum(len(r["sent"]) for r in report["centres"])
    print(f"{label:<40} {took:7.1f} s  sent {sent} periods", flush=True)


def main(count):
    root = Path(tempfile.mkdtemp())
    (root / "hub").mkdir()
    (root / "installation").mkdir()
    hub = LiveServer(root / "hub", probe="/api/v1/openapi.yaml", ROLE="hub").start()
    installation = LiveServer(root / "installation", CLOCK="2026-11-18T12:00:00", SYNC_BACKOFF_SECONDS=0).start()
    try:
        add_centres(installation, hub, count)
        print(f"{count} centres, {ANSWERS_PER_CENTRE} answers each in 2026-W47")
        timed_round(installation, "first sync (W47 closed)", "2026-11-23T02:00:00")
        timed_round(installation, "again, nothing new", "2026-11-23T03:00:00")
        timed_round(installation, "after one more week closes (W48)", "2026-11-30T02:00:00")
    finally:
        installation.stop()
        hub.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 24)
