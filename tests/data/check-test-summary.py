#!/usr/bin/env python3
"""tools/test-summary.py counts what it must (meson test, suite "data"): passes, failures, whole
tests meson skipped, and subtests a TAP test skipped while the test as a whole passed; with
--no-skips (CI) any skip fails the run."""
import json
import os
import subprocess
import sys
import tempfile

failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print('FAIL: ' + msg)


def run(summary, entries, *flags):
    with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as f:
        for e in entries:
            f.write(json.dumps(e) + '\n')
    r = subprocess.run([sys.executable, summary, *flags, f.name], capture_output=True, text=True)
    os.unlink(f.name)
    return r.returncode, r.stdout.strip(), r.stderr


def main():
    summary = sys.argv[1]
    ok = {'name': 'x:core / a', 'result': 'OK', 'stdout': '1..2\nok 1 /a/one\nok 2 /a/two\n'}
    half = {'name': 'x:app / windows', 'result': 'OK',
            'stdout': '1..2\nok 1 /app/format\nok 2 /app/windows # SKIP no display\n'}
    whole = {'name': 'x:app / e2e', 'result': 'SKIP', 'stdout': '1..0 # SKIP no display\n'}
    bad = {'name': 'x:hub / b', 'result': 'FAIL', 'stdout': 'not ok 1 /b\n'}

    rc, out, _ = run(summary, [ok])
    check(rc == 0 and out == '1 passed, 0 failed, 0 skipped', 'plain pass: %r' % out)
    rc, out, err = run(summary, [ok, half, whole])
    check(rc == 0 and out == '2 passed, 0 failed, 1 skipped (1 subtests skipped)', 'skips counted: %r' % out)
    check('x:app / windows: subtest /app/windows (no display)' in err, 'skipped subtest listed: %r' % err)
    check('x:app / e2e' in err, 'skipped test listed: %r' % err)
    rc, out, _ = run(summary, [ok, half], '--no-skips')
    check(rc == 1 and out.startswith('2 passed, 1 failed'), 'a skipped subtest fails CI: %r' % out)
    rc, out, _ = run(summary, [ok, whole], '--no-skips')
    check(rc == 1 and out.startswith('1 passed, 1 failed, 1 skipped'), 'a skipped test fails CI: %r' % out)
    rc, out, _ = run(summary, [ok, bad])
    check(rc == 1 and out == '1 passed, 1 failed, 0 skipped', 'failure: %r' % out)
    rc, out, _ = run(summary, [])
    check(rc == 1, 'an empty log is a failure: %r' % out)

    if failures:
        return 1
    print('ok: test-summary counts passes, failures, skipped tests and skipped subtests')
    return 0


if __name__ == '__main__':
    sys.exit(main())
