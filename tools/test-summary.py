#!/usr/bin/env python3
"""Prints 'N passed, N failed, N skipped' from meson testlog.json files; exits 1 on any failure.

Skips are counted twice over: tests meson reports as SKIP, and subtests a TAP test reported as
"ok N ... # SKIP" inside a test that otherwise passed (meson counts such a test as OK). Both are
listed. With --no-skips (what .ci/run asks for: CI installs everything the suites need, so none
may skip there) any skip is a failure.
"""
import argparse
import json
import re
import sys

TAP_SKIP = re.compile(r'^ok\s+\d+\s*(.*?)\s*#\s*skip\b\s*(.*)$', re.I | re.M)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--no-skips', action='store_true', help='a skipped test or subtest fails the run')
    ap.add_argument('logs', nargs='+')
    a = ap.parse_args()

    passed = failed = skipped = sub_skipped = 0
    skips = []
    for path in a.logs:
        try:
            lines = open(path, encoding='utf-8').read().splitlines()
        except OSError:
            print(f'missing test log: {path}', file=sys.stderr)
            failed += 1
            continue
        for line in lines:
            if not line.strip():
                continue
            entry = json.loads(line)
            name, result = entry.get('name'), entry.get('result', '')
            if result in ('OK', 'EXPECTEDFAIL'):
                passed += 1
                for m in TAP_SKIP.finditer(entry.get('stdout') or ''):
                    sub_skipped += 1
                    skips.append(f'{name}: subtest {m.group(1) or "?"} ({m.group(2) or "no reason given"})')
            elif result == 'SKIP':
                skipped += 1
                said = (entry.get('stdout') or '').strip().splitlines()
                reason = [l for l in said if 'skip' in l.lower()][-1:] or said[-1:] or ['']
                skips.append(f'{name} ({reason[0][:120]})')
            else:
                failed += 1
                print(f'FAILED: {name} ({result}) in {path}', file=sys.stderr)

    for s in skips:
        print(f'SKIPPED: {s}', file=sys.stderr)
    if a.no_skips and skips:
        print(f'{len(skips)} skip(s): every suite must run under CI (tools/deps.sh installs what they need)',
              file=sys.stderr)
        failed += len(skips)
    if passed + failed == 0:
        failed = 1
        print('no test ran', file=sys.stderr)
    extra = f' ({sub_skipped} subtests skipped)' if sub_skipped else ''
    print(f'{passed} passed, {failed} failed, {skipped} skipped{extra}')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
