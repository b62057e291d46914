#!/usr/bin/env python3
"""`meson install` into a temporary DESTDIR gives a working desktop app (meson test, suite "data").

Installs the already-built tree (--no-rebuild) and checks what a desktop needs from it: the
binary, the desktop entry, D-Bus activation pointing at an installed executable, the AppStream
metainfo (validate-tree checks it against the installed desktop entry and icon), the app icon,
the GSettings schema (meson skips the compile step under DESTDIR), one catalogue per
po/LINGUAS language, and the module with the hub the app loads for "This computer" and the demo.
No installed file may name the build or source folder (a build path in a binary is a fallback
that works only on the machine that built it). Prints the installed tree.
"""
import argparse
import configparser
import os
import shutil
import subprocess
import sys
import tempfile

failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print('FAIL: ' + msg)
    return cond


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--meson', required=True)
    ap.add_argument('--build-root', required=True)
    ap.add_argument('--source-root', required=True)
    ap.add_argument('--prefix', required=True)
    ap.add_argument('--bindir', required=True)
    ap.add_argument('--datadir', required=True)
    ap.add_argument('--localedir', required=True)
    ap.add_argument('--libdir', required=True)
    ap.add_argument('--app-id', required=True)
    ap.add_argument('--package', required=True)
    ap.add_argument('--appstreamcli', default='')
    ap.add_argument('--desktop-file-validate', default='')
    a = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix='rd-install-') as dest:
        env = dict(os.environ)
        env.pop('DESTDIR', None)
        r = subprocess.run([a.meson, 'install', '-C', a.build_root, '--no-rebuild', '--quiet',
                            '--destdir', dest], env=env, capture_output=True, text=True)
        if r.returncode != 0:
            print(r.stdout[-4000:], r.stderr[-4000:])
            check(False, 'meson install failed (%d)' % r.returncode)
            return 1

        def inst(*parts):
            return os.path.join(dest, os.path.relpath(os.path.join(a.prefix, *parts), '/'))

        for dirpath, _, files in sorted(os.walk(dest)):
            for f in sorted(files):
                print('  ' + os.path.relpath(os.path.join(dirpath, f), dest))

        binary = inst(a.bindir, 'ringdesk')
        check(os.path.isfile(binary) and os.access(binary, os.X_OK), 'bin/ringdesk not installed')

        desktop = inst(a.datadir, 'applications', a.app_id + '.desktop')
        if check(os.path.isfile(desktop), 'desktop entry not installed in share/applications'):
            if a.desktop_file_validate:
                r = subprocess.run([a.desktop_file_validate, desktop], capture_output=True, text=True)
                check(r.returncode == 0, 'installed desktop entry invalid: %s' % (r.stdout + r.stderr))

        service = inst(a.datadir, 'dbus-1', 'services', a.app_id + '.service')
        if check(os.path.isfile(service), 'D-Bus service not installed in share/dbus-1/services'):
            cp = configparser.ConfigParser(interpolation=None)
            cp.optionxform = str
            cp.read(service, encoding='utf-8')
            exe = cp['D-BUS Service'].get('Exec', '').split()[0]
            check(os.path.isabs(exe) and os.path.isfile(os.path.join(dest, os.path.relpath(exe, '/'))),
                  'D-Bus service Exec %s is not the installed binary' % exe)

        metainfo = inst(a.datadir, 'metainfo', a.app_id + '.metainfo.xml')
        check(os.path.isfile(metainfo), 'metainfo not installed in share/metainfo')
        icon = inst(a.datadir, 'icons', 'hicolor', 'scalable', 'apps', a.app_id + '.svg')
        check(os.path.isfile(icon), 'app icon not installed in share/icons/hicolor/scalable/apps')
        schemas = inst(a.datadir, 'glib-2.0', 'schemas')
        check(os.path.isfile(os.path.join(schemas, a.app_id + '.gschema.xml')), 'GSettings schema not installed')

        module = inst(a.libdir, a.package, a.package + '-embedded.so')
        check(os.path.isfile(module), 'the embedded hub module is not installed in %s' % os.path.relpath(module, dest))

        # No build or source path in anything installed (binaries, module, data). Debug info
        # (DWARF's compilation directory) is left out: packagers strip it.
        needles = {os.path.realpath(a.build_root).encode(), os.path.realpath(a.source_root).encode()}
        objcopy = shutil.which('objcopy')
        for dirpath, _, files in os.walk(dest):
            for f in files:
                path = os.path.join(dirpath, f)
                if os.path.islink(path):
                    continue
                with open(path, 'rb') as fh:
                    data = fh.read()
                if data[:4] == b'\x7fELF' and objcopy:
                    stripped = os.path.join(tempfile.gettempdir(), 'rd-stripped-%d' % os.getpid())
                    subprocess.run([objcopy, '--strip-debug', path, stripped], check=True)
                    with open(stripped, 'rb') as fh:
                        data = fh.read()
                    os.unlink(stripped)
                for n in needles:
                    check(n not in data, '%s contains the build-time path %s'
                          % (os.path.relpath(path, dest), n.decode()))

        with open(os.path.join(a.source_root, 'po', 'LINGUAS'), encoding='utf-8') as f:
            linguas = [x for l in f for x in l.split('#', 1)[0].split()]
        for lang in linguas:
            mo = inst(a.localedir, lang, 'LC_MESSAGES', a.package + '.mo')
            check(os.path.isfile(mo), 'translation %s not installed (%s)' % (lang, os.path.relpath(mo, dest)))

        if a.appstreamcli and os.path.isfile(metainfo):
            root = inst()
            r = subprocess.run([a.appstreamcli, 'validate-tree', '--no-net', root], capture_output=True, text=True)
            print(r.stdout.strip())
            check(r.returncode == 0, 'appstreamcli validate-tree failed on the installed tree')

    if failures:
        print('%d problem(s)' % len(failures))
        return 1
    print('ok: installed tree is complete')
    return 0


if __name__ == '__main__':
    sys.exit(main())
