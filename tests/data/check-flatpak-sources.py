#!/usr/bin/env python3
"""The Flatpak manifest's archives and flatpak/README.md agree (meson test, suite "data"): every
archive has an https URL, a dest-filename and a sha256, and the README's table lists each with the
same URL and sha256. Archives present in --sources (flatpak-builder's --extra-sources layout,
DIR/downloads/SHA256/FILE, as flatpak/fetch-sources.sh makes it) are checked against the sha256;
absent ones are reported as not verified."""
import argparse
import hashlib
import json
import os
import re
import sys

failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print('FAIL: ' + msg)
    return cond


def modules(ms):
    for m in ms:
        yield from modules(m.get('modules', []))
        yield m


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('manifest')
    ap.add_argument('readme')
    ap.add_argument('--sources', required=True)
    a = ap.parse_args()

    manifest = json.load(open(a.manifest, encoding='utf-8'))
    readme = open(a.readme, encoding='utf-8').read()
    rows = {}
    for line in readme.splitlines():
        cells = [c.strip().strip('`') for c in line.strip().strip('|').split('|')]
        if len(cells) >= 3 and re.fullmatch(r'[0-9a-f]{64}', cells[2] or ''):
            rows[cells[0]] = (cells[1], cells[2])
    archives = 0
    for m in modules(manifest['modules']):
        for s in m.get('sources', []):
            if s.get('type') != 'archive':
                continue
            archives += 1
            name = s.get('dest-filename', '')
            check(bool(name), '%s: an archive needs a dest-filename (the name --extra-sources looks for)' % m['name'])
            check(s.get('url', '').startswith('https://'), '%s: URL must be https' % m['name'])
            if not check(name in rows, 'flatpak/README.md does not list %s' % name):
                continue
            url, sha = rows[name]
            check(url == s.get('url'), 'README gives %s for %s, the manifest %s' % (url, name, s.get('url')))
            check(sha == s.get('sha256'), 'README gives sha256 %s for %s, the manifest %s' % (sha, name, s.get('sha256')))
            path = os.path.join(a.sources, 'downloads', s.get('sha256', ''), name)
            if os.path.isfile(path):
                digest = hashlib.sha256(open(path, 'rb').read()).hexdigest()
                if check(digest == s['sha256'], '%s has sha256 %s, not %s' % (path, digest, s['sha256'])):
                    print('verified: %s' % name)
            else:
                print('not verified (archive not present in %s): %s' % (a.sources, name))
    check(archives > 0, 'the manifest has no archives')
    check(len(rows) == archives, 'the README lists %d archives, the manifest has %d' % (len(rows), archives))
    if failures:
        return 1
    print('ok: %d archives listed' % archives)
    return 0


if __name__ == '__main__':
    sys.exit(main())
