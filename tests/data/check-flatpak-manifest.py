#!/usr/bin/env python3
"""Offline checks of the Flatpak manifest (meson tests, suite "data").

Default mode: the manifest's content — app id, command, runtime, the exact (narrowest)
finish-args, pinned https sources with sha256 checksums, module order, and the app module
building this very source tree with -Dapp=true.

--flatpak-builder PATH: also let flatpak-builder itself parse and canonicalise the manifest
(--show-manifest) with G_DEBUG=fatal-warnings, so an unknown or misspelt key aborts; the
canonical output must keep every module and finish-arg. Exits 77 (skip) when PATH is empty.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

EXPECTED_FINISH_ARGS = [
    '--share=network',
    '--share=ipc',
    '--socket=wayland',
    '--socket=fallback-x11',
    '--talk-name=org.kde.StatusNotifierWatcher',
]
# Portals cover notifications, secrets, opening URLs and autostart: these must never come back.
FORBIDDEN = [
    re.compile(r'^--talk-name=org\.freedesktop\.(Notifications|secrets)$'),
    re.compile(r'^--own-name=org\.kde\.'),
    re.compile(r'^--socket=(x11|session-bus|system-bus|pulseaudio)$'),
    re.compile(r'^--device=all$'),
    # Ringdesk draws in software (src/app/main.c): the GPU is not needed.
    re.compile(r'^--device=dri$'),
    re.compile(r'^--filesystem='),
]
SHA256 = re.compile(r'^[0-9a-f]{64}$')

failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print('FAIL: ' + msg)
    return cond


def modules_flat(mods):
    for m in mods:
        if isinstance(m, str):
            check(False, 'module %s is an external file; keep the manifest self-contained' % m)
            continue
        yield from modules_flat(m.get('modules', []))
        yield m


def check_content(manifest_path, app_id, runtime_version, source_root):
    with open(manifest_path, encoding='utf-8') as f:
        m = json.load(f)
    check(os.path.basename(manifest_path) == app_id + '.json', 'manifest must be named <app-id>.json')
    check(m.get('id', m.get('app-id')) == app_id, 'id must be %s' % app_id)
    check(m.get('command') == 'ringdesk', 'command must be ringdesk')
    check(m.get('runtime') == 'org.gnome.Platform' and m.get('sdk') == 'org.gnome.Sdk',
          'runtime/sdk must be org.gnome.Platform/org.gnome.Sdk')
    check(m.get('runtime-version') == runtime_version, 'runtime-version must be "%s"' % runtime_version)

    fa = m.get('finish-args', [])
    check(len(fa) == len(set(fa)), 'finish-args has duplicates')
    check(sorted(fa) == sorted(EXPECTED_FINISH_ARGS),
          'finish-args must be exactly %s; extra: %s, missing: %s'
          % (EXPECTED_FINISH_ARGS, sorted(set(fa) - set(EXPECTED_FINISH_ARGS)),
             sorted(set(EXPECTED_FINISH_ARGS) - set(fa))))
    for arg in fa:
        for rx in FORBIDDEN:
            check(not rx.search(arg), 'finish-arg %s is not allowed (use the portal)' % arg)

    mods = list(modules_flat(m.get('modules', [])))
    names = [x.get('name') for x in mods]
    check(len(names) == len(set(names)), 'module names must be unique')
    check(bool(mods) and names[-1] == 'ringdesk', 'the last module must be ringdesk')
    for mod in mods:
        for src in mod.get('sources', []):
            if isinstance(src, str):
                check(False, '%s: external source file %s' % (mod.get('name'), src))
                continue
            t = src.get('type')
            if t in ('archive', 'file'):
                url = src.get('url', '')
                check(url.startswith('https://'), '%s: source URL must be https: %s' % (mod['name'], url))
                check(bool(SHA256.match(src.get('sha256', ''))),
                      '%s: %s needs a real sha256 (64 hex digits), has %r' % (mod['name'], url, src.get('sha256')))
            elif t == 'git':
                check(bool(re.match(r'^[0-9a-f]{40}$', src.get('commit', ''))),
                      '%s: git sources must pin a commit' % mod['name'])
            elif t == 'dir':
                check(mod.get('name') == 'ringdesk', '%s: only the app may use a dir source' % mod['name'])
            else:
                check(t == 'patch' and 'path' in src, '%s: unexpected source type %r' % (mod['name'], t))

    def idx(name):
        return names.index(name) if name in names else -1

    lp = idx('libphonenumber')
    if check(lp >= 0, 'a libphonenumber module is required (it is not in the GNOME runtime)'):
        mod = mods[lp]
        opts = set(mod.get('config-opts', []))
        for o in ('-DREGENERATE_METADATA=OFF', '-DUSE_BOOST=OFF', '-DBUILD_GEOCODER=OFF', '-DBUILD_TESTING=OFF'):
            check(o in opts, 'libphonenumber: %s is required (no Java, Boost, geocoder or test download)' % o)
        check(mod.get('subdir') == 'cpp', 'libphonenumber builds from its cpp/ subdir')
        for dep in ('protobuf', 'abseil-cpp'):
            check(0 <= idx(dep) < lp, '%s must be built before libphonenumber' % dep)
        check(idx('abseil-cpp') < idx('protobuf'), 'abseil-cpp must be built before protobuf')

    # A post-install that writes a pkg-config file must produce a valid one whose Version is the
    # version of the archive it was built from (libphonenumber ships no .pc; meson needs one to
    # pull in protobuf and abseil for the generated phonenumber.pb.h).
    for mod in mods:
        for cmd in mod.get('post-install', []):
            if '.pc' not in cmd:
                continue
            with tempfile.TemporaryDirectory() as dest:
                r = subprocess.run(['sh', '-c', cmd], env=dict(os.environ, FLATPAK_DEST=dest),
                                   capture_output=True, text=True)
                if not check(r.returncode == 0, '%s: post-install failed: %s' % (mod['name'], r.stderr)):
                    continue
                pcs = [os.path.join(d, f) for d, _, fs in os.walk(dest) for f in fs if f.endswith('.pc')]
                if not check(len(pcs) == 1, '%s: post-install should write one .pc file' % mod['name']):
                    continue
                with open(pcs[0], encoding='utf-8') as f:
                    fields = dict(l.split(':', 1) for l in f.read().splitlines() if re.match(r'^[A-Za-z.]+:', l))
                fields = {k: v.strip() for k, v in fields.items()}
                for k in ('Name', 'Description', 'Version', 'Libs'):
                    check(bool(fields.get(k)), '%s: generated %s lacks %s' % (mod['name'], os.path.basename(pcs[0]), k))
                urls = [x.get('url', '') for x in mod.get('sources', []) if isinstance(x, dict)]
                check(any(re.search(r'[/v-]%s\.tar' % re.escape(fields.get('Version', '?')), u) for u in urls),
                      '%s: .pc Version %s does not match the source archive %s'
                      % (mod['name'], fields.get('Version'), urls))

    app = mods[-1] if mods else {}
    check(app.get('buildsystem') == 'meson', 'the app module uses meson')
    check('-Dapp=true' in app.get('config-opts', []), 'the app module must build with -Dapp=true')
    srcs = app.get('sources', [])
    if check(len(srcs) == 1 and srcs[0].get('type') == 'dir', 'the app module builds from a dir source'):
        path = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(manifest_path)), srcs[0]['path']))
        check(os.path.samefile(path, source_root), 'the app dir source must be the source root, is %s' % path)
        # Build folders (meson's, flatpak-builder's state, the archives) and .git are not copied
        # into the build: they are large and would make the result depend on the tree's state.
        skip = set(srcs[0].get('skip', []))
        for must in ('.git', '.flatpak-builder', 'build', 'flatpak/sources'):
            check(must in skip, 'the app dir source must skip %s' % must)
        for entry in os.listdir(source_root):
            if entry.startswith(('build', '_build')) and os.path.isdir(os.path.join(source_root, entry)):
                check(entry in skip, 'the app dir source would copy the build folder %s' % entry)
    return m


def check_builder(builder, manifest_path, m):
    if not builder:
        print('flatpak-builder not installed; skipping')
        return 77
    env = dict(os.environ, G_DEBUG='fatal-warnings')
    with tempfile.TemporaryDirectory() as tmp:  # flatpak-builder creates .flatpak-builder/ in cwd
        r = subprocess.run([builder, '--show-manifest', os.path.abspath(manifest_path)],
                           cwd=tmp, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        check(False, 'flatpak-builder --show-manifest failed (%d): %s' % (r.returncode, r.stderr.strip()))
        return 1
    canon = json.loads(r.stdout)
    check(canon.get('id', canon.get('app-id')) == m.get('id', m.get('app-id')), 'flatpak-builder sees another id')
    check(canon.get('finish-args') == m.get('finish-args'), 'flatpak-builder dropped finish-args')
    check([x.get('name') for x in canon.get('modules', [])] == [x.get('name') for x in m.get('modules', [])],
          'flatpak-builder sees other modules')
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('manifest')
    ap.add_argument('--app-id', required=True)
    ap.add_argument('--runtime-version', required=True)
    ap.add_argument('--source-root', required=True)
    ap.add_argument('--flatpak-builder', default=None)
    a = ap.parse_args()
    m = check_content(a.manifest, a.app_id, a.runtime_version, a.source_root)
    if a.flatpak_builder is not None:
        failures.clear()  # the content is the other test's job; report only what the builder says
        rc = check_builder(a.flatpak_builder, a.manifest, m)
        if rc == 77:
            return 77
    if failures:
        print('%d problem(s)' % len(failures))
        return 1
    print('ok')
    return 0


if __name__ == '__main__':
    sys.exit(main())
