#!/bin/sh
# Puts the archives the Flatpak manifest builds from into DIR (default flatpak/sources) in the
# layout flatpak-builder's --extra-sources reads (DIR/downloads/SHA256/FILE), downloading what is
# missing when there is network, and checks every archive against the manifest's sha256.
# Then `flatpak-builder --disable-download --extra-sources=DIR …` builds without network.
# Exit status: 0 when every archive is present and matches, 1 otherwise.
set -eu
cd "$(dirname "$0")/.."
dir=${1:-flatpak/sources}
python3 - "$dir" <<'PY'
import hashlib, json, os, subprocess, sys
dest = sys.argv[1]
manifest = json.load(open('flatpak/io.github.ringdesk.Ringdesk.json', encoding='utf-8'))
def modules(ms):
    for m in ms:
        yield from modules(m.get('modules', []))
        yield m
bad = 0
for m in modules(manifest['modules']):
    for s in m.get('sources', []):
        if s.get('type') != 'archive':
            continue
        name = s.get('dest-filename') or os.path.basename(s['url'])
        path = os.path.join(dest, 'downloads', s['sha256'], name)
        if not os.path.isfile(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            r = subprocess.run(['curl', '-fsSL', '--retry', '2', '-o', path + '.part', s['url']])
            if r.returncode != 0:
                print(f'MISSING  {name}: could not download {s["url"]}')
                bad += 1
                continue
            os.replace(path + '.part', path)
        digest = hashlib.sha256(open(path, 'rb').read()).hexdigest()
        if digest == s['sha256']:
            print(f'OK       {name} {digest}')
        else:
            print(f'MISMATCH {name}: sha256 {digest}, the manifest says {s["sha256"]}')
            bad += 1
sys.exit(1 if bad else 0)
PY
