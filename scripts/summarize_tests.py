"""Adds up the JUnit XML reports of every suite and prints `N passed, N failed`.

Exits non-zero when anything failed or a suite wrote no report (it crashed)."""

import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

EXPECTED = {"unit.xml", "server.xml", "server-postgres.xml", "server-clickhouse.xml", "server-cluster.xml", "sdk-e2e-cluster.xml", "sdk-unit.xml", "sdk-e2e.xml", "sdk-package.xml", "fuzz.xml", "browser.xml"}


# Characters XML 1.0 does not allow; a reporter may copy them from a failure's message (the
# terminal colour codes of a browser test's call log), and the report must still be read.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def count(path: Path) -> tuple[int, int, int]:
    root = ET.fromstring(NOT_XML.sub("", path.read_text(encoding="utf-8", errors="replace")))
    passed = failed = skipped = 0
    for case in root.iter("testcase"):  # suites may nest (node's reporter nests them)
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif case.find("skipped") is not None or case.get("status") == "notrun":
            skipped += 1
        else:
            passed += 1
    return passed, failed, skipped


def main() -> int:
    reports = Path(sys.argv[1])
    passed = failed = skipped = 0
    found = {p.name for p in reports.glob("*.xml")}
    for name in sorted(EXPECTED - found):
        print(f"suite report {name} is missing: that suite did not run to the end")
        failed += 1
    for marker in sorted(reports.glob("*.failed")):
        print(marker.read_text().strip())
        failed += 1
    for path in sorted(reports.glob("*.xml")):
        p, f, s = count(path)
        print(f"{path.stem}: {p} passed, {f} failed, {s} skipped")
        passed, failed, skipped = passed + p, failed + f, skipped + s
    line = f"{passed} passed, {failed} failed"
    if skipped:
        line += f", {skipped} skipped"
    print(line)
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
