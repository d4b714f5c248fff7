"""Print the test command's closing line from pytest's JUnit XML reports (one per stream).

A skipped test counts as failed: Odoo skips browser tours when Chromium or
websocket-client is missing, and a run that skipped them has not shown they pass.
Exits non-zero when anything failed, nothing ran, or pytest itself failed.
"""

import argparse
import sys
import xml.etree.ElementTree as ET


def count(report_path):
    root = ET.parse(report_path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    skipped_names = []
    for suite in suites:
        for key in totals:
            totals[key] += int(suite.get(key, 0))
        for case in suite.iter("testcase"):
            if case.find("skipped") is not None:
                skipped_names.append(f"{case.get('classname')}::{case.get('name')}")
    return totals, skipped_names


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("reports", nargs="+", help="the JUnit XML reports of the test streams")
    parser.add_argument("--pytest-exit", type=int, default=0)
    parser.add_argument("--log-errors", type=int, default=0)
    args = parser.parse_args()
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    skipped = []
    for report in args.reports:
        try:
            report_totals, report_skipped = count(report)
        except (OSError, ET.ParseError) as exc:
            # A stream that wrote no report did not show its tests pass.
            print(f"no test report ({exc})", file=sys.stderr)
            print("0 passed, 1 failed")
            return 1
        for key in totals:
            totals[key] += report_totals[key]
        skipped += report_skipped
    failed = totals["failures"] + totals["errors"] + totals["skipped"]
    passed = totals["tests"] - failed
    for name in skipped:
        print(f"SKIPPED counts as failed: {name}", file=sys.stderr)
    if args.log_errors:
        print(f"{args.log_errors} ERROR/CRITICAL line(s) in the Odoo log count as a failure", file=sys.stderr)
        failed += 1
    if totals["tests"] == 0:
        print("no test ran", file=sys.stderr)
        failed += 1
    # pytest exit 1 is "some tests failed", already counted; other codes mean it broke.
    if args.pytest_exit not in (0, 1) and not failed:
        print(f"pytest exited with {args.pytest_exit}", file=sys.stderr)
        failed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or args.pytest_exit else 0


if __name__ == "__main__":
    sys.exit(main())
