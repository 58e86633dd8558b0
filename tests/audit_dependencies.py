"""`make check`: pip-audit over the installed dependencies, failing on any known vulnerability.

When no vulnerability service can be reached from this machine (a registry mirror without
PyPI's per-release data, no route to OSV), it says so and skips, rather than pretending.
"""

import json
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def main():
    result = subprocess.run([str(BIN / "pip-audit"), "--format", "json", "--progress-spinner", "off",
                             "--skip-editable"], capture_output=True, text=True, timeout=300)
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        print(f"pip-audit: skipped, no vulnerability service answered ({result.stderr.strip().splitlines()[-1:]})")
        return 0
    dependencies = report["dependencies"]
    audited = [d for d in dependencies if "skip_reason" not in d]
    vulnerable = [d for d in audited if d.get("vulns")]
    for dependency in vulnerable:
        for vuln in dependency["vulns"]:
            print(f"pip-audit: {dependency['name']} {dependency['version']}: {vuln['id']} "
                  f"(fixed in {', '.join(vuln.get('fix_versions') or ['no release yet'])})")
    if not audited:
        print(f"pip-audit: skipped, no vulnerability data reachable for any of the {len(dependencies)} "
              "dependencies from this machine (the package index has no per-release records)")
        return 0
    print(f"pip-audit: {len(audited)} dependencies audited, {len(vulnerable)} with known vulnerabilities"
          + (f", {len(dependencies) - len(audited)} not found in the index" if len(audited) < len(dependencies) else ""))
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
