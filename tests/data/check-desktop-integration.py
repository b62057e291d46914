#!/usr/bin/env python3
"""Cross-checks the built desktop entry, D-Bus service file and AppStream metainfo
(meson test, suite "data"). The validators (desktop-file-validate, appstreamcli) check each
file on its own; this checks that they agree with each other, with the project and with the
repository: the scheme handlers are the same everywhere, D-Bus activation can actually find
the binary, the newest release is the project version, every language in po/LINGUAS reached
the merged files, and every screenshot URL points at a PNG kept in the repository.
"""
import argparse
import configparser
import os
import re
import struct
import sys
import xml.etree.ElementTree as ET

XML_LANG = '{http://www.w3.org/XML/1998/namespace}lang'
SCHEMES = {'x-scheme-handler/tel', 'x-scheme-handler/callto', 'x-scheme-handler/sip',
           'x-scheme-handler/sips'}
SCREENSHOT_BASE = 'https://raw.githubusercontent.com/ringdesk/ringdesk/main/'

failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print('FAIL: ' + msg)
    return cond


def keyfile(path, group):
    cp = configparser.ConfigParser(interpolation=None, strict=True)
    cp.optionxform = str
    with open(path, encoding='utf-8') as f:
        cp.read_file(f)
    if not cp.has_section(group):
        raise SystemExit('%s: no [%s] group' % (path, group))
    return cp[group]


def split_list(v):
    return [x for x in (v or '').split(';') if x]


def png_size(path):
    with open(path, 'rb') as f:
        head = f.read(24)
    if len(head) < 24 or head[:8] != b'\x89PNG\r\n\x1a\n' or head[12:16] != b'IHDR':
        return None
    return struct.unpack('>II', head[16:24])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--app-id', required=True)
    ap.add_argument('--version', required=True)
    ap.add_argument('--license', required=True)
    ap.add_argument('--package', required=True)
    ap.add_argument('--bindir', required=True)
    ap.add_argument('--source-root', required=True)
    ap.add_argument('--desktop', required=True)
    ap.add_argument('--service', required=True)
    ap.add_argument('--metainfo', required=True)
    ap.add_argument('--require-screenshots', action='store_true')
    a = ap.parse_args()

    linguas = []
    with open(os.path.join(a.source_root, 'po', 'LINGUAS'), encoding='utf-8') as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line:
                linguas.extend(line.split())

    # ---- desktop entry ------------------------------------------------------------------
    d = keyfile(a.desktop, 'Desktop Entry')
    check(os.path.basename(a.desktop) == a.app_id + '.desktop',
          'desktop file must be named <app-id>.desktop for DBusActivatable')
    exec_argv = d.get('Exec', '').split()
    check(exec_argv[:1] == ['ringdesk'], 'Exec must start the ringdesk binary: %r' % d.get('Exec'))
    check(exec_argv.count('%u') == 1 and not {'%U', '%f', '%F'} & set(exec_argv),
          'Exec must take exactly one URI (%%u): %r' % d.get('Exec'))
    mimes = set(split_list(d.get('MimeType')))
    check(mimes == SCHEMES, 'MimeType must be exactly %s, is %s' % (sorted(SCHEMES), sorted(mimes)))
    check(d.get('DBusActivatable') == 'true', 'DBusActivatable must be true')
    check(d.get('X-GNOME-UsesNotifications') == 'true', 'X-GNOME-UsesNotifications must be true')
    check(d.get('Icon') == a.app_id, 'Icon must be the app id')
    # The app sets its program name to the app id, so X11 windows carry WM_CLASS=<app-id>.
    check(d.get('StartupWMClass') == a.app_id,
          'StartupWMClass must be the app id (the window class), is %r' % d.get('StartupWMClass'))
    icon = os.path.join(a.source_root, 'data', 'icons', 'hicolor', 'scalable', 'apps', a.app_id + '.svg')
    check(os.path.isfile(icon), 'the app icon %s is missing' % os.path.relpath(icon, a.source_root))
    check('Telephony' in split_list(d.get('Categories')), 'Categories must include Telephony')

    # Tray status icons: hosts recolour symbolic icons (the attention icon once relied on red),
    # so each state differs by shape and uses the one symbolic colour only.
    sym_dir = os.path.join(a.source_root, 'data', 'icons', 'hicolor', 'symbolic', 'apps')
    shapes = {}
    for state in ('', '-attention', '-paused'):
        path = os.path.join(sym_dir, '%s%s-symbolic.svg' % (a.app_id, state))
        if not check(os.path.isfile(path), 'tray icon %s is missing' % os.path.relpath(path, a.source_root)):
            continue
        svg = ET.parse(path).getroot()
        colours = set()
        elements = []
        for el in svg.iter():
            for attr in ('fill', 'stroke'):
                if el.get(attr) not in (None, 'none'):
                    colours.add(el.get(attr).lower())
            if el.tag.split('}')[-1] in ('path', 'circle', 'rect', 'ellipse', 'polygon'):
                elements.append(tuple(sorted((k, v) for k, v in el.attrib.items() if k not in ('fill', 'stroke'))))
        check(colours <= {'#2e3436', 'currentcolor'},
              '%s uses colours %s: a symbolic icon is drawn in one colour (hosts recolour it)'
              % (os.path.basename(path), sorted(colours)))
        shapes[state] = frozenset(elements)
    if len(shapes) == 3:
        check(len(set(shapes.values())) == 3, 'the normal, attention and paused tray icons must differ in shape')
    for lang in linguas:
        for key in ('Comment', 'GenericName', 'Keywords'):
            if key in d:
                tr = d.get('%s[%s]' % (key, lang))
                check(bool(tr) and tr != d[key], '%s[%s] missing from the merged desktop file' % (key, lang))

    # Desktop actions are activated over D-Bus as GApplication actions of the same name
    # (DBusActivatable), so each must be a parameterless app action defined in src/app.
    app_actions = set()
    app_dir = os.path.join(a.source_root, 'src', 'app')
    for fn in sorted(os.listdir(app_dir)) if os.path.isdir(app_dir) else []:
        if fn.endswith('.c'):
            with open(os.path.join(app_dir, fn), encoding='utf-8', errors='replace') as f:
                app_actions.update(re.findall(r'\{\s*"([a-z][a-z0-9-]*)"\s*,\s*\w+\s*,\s*NULL\s*,', f.read()))
    cp = configparser.ConfigParser(interpolation=None, strict=True)
    cp.optionxform = str
    with open(a.desktop, encoding='utf-8') as f:
        cp.read_file(f)
    actions = split_list(d.get('Actions'))
    groups = sorted(g[len('Desktop Action '):] for g in cp.sections() if g.startswith('Desktop Action '))
    check(sorted(actions) == groups, 'Actions= %s does not match the [Desktop Action] groups %s' % (actions, groups))
    for act in actions:
        check(act in app_actions, 'desktop action %s is not a parameterless app action in src/app (%s)'
              % (act, ', '.join(sorted(app_actions)) or 'none found'))
        if cp.has_section('Desktop Action ' + act):
            g = cp['Desktop Action ' + act]
            for lang in linguas:
                check(bool(g.get('Name[%s]' % lang)), 'desktop action %s has no Name[%s]' % (act, lang))

    # ---- D-Bus service --------------------------------------------------------------------
    s = keyfile(a.service, 'D-BUS Service')
    check(os.path.basename(a.service) == a.app_id + '.service',
          'the D-Bus service file must be named <bus name>.service')
    check(s.get('Name') == a.app_id, 'service Name must be the app id (GApplication bus name)')
    sexec = s.get('Exec', '').split()
    check(sexec == [os.path.join(a.bindir, 'ringdesk'), '--gapplication-service'],
          'service Exec must be "<bindir>/ringdesk --gapplication-service", is %r' % s.get('Exec'))

    # ---- metainfo -------------------------------------------------------------------------
    root = ET.parse(a.metainfo).getroot()
    check(root.tag == 'component' and root.get('type') == 'desktop-application',
          'metainfo must be a desktop-application component')
    check(root.findtext('id') == a.app_id, 'metainfo <id> must be the app id')
    launch = root.findall('launchable')
    check([(l.get('type'), l.text) for l in launch] == [('desktop-id', os.path.basename(a.desktop))],
          'metainfo launchable must be the desktop file')
    check(root.findtext('project_license') == a.license, 'project_license must be %s' % a.license)
    check(root.findtext('metadata_license') == 'CC0-1.0', 'metadata_license must be CC0-1.0')
    tr = root.find('translation')
    check(tr is not None and tr.get('type') == 'gettext' and tr.text == a.package,
          'metainfo <translation type="gettext"> must name the gettext domain %s' % a.package)
    cr = root.find('content_rating')
    check(cr is not None and cr.get('type') == 'oars-1.1', 'content_rating oars-1.1 missing')
    prov = root.find('provides')
    check(prov is not None, 'metainfo <provides> missing')
    if prov is not None:
        check({m.text for m in prov.findall('mediatype')} == mimes,
              'metainfo provides/mediatype must equal the desktop MimeType')
        check([b.text for b in prov.findall('binary')] == exec_argv[:1],
              'metainfo provides/binary must be the Exec binary')
        check([(x.get('type'), x.text) for x in prov.findall('dbus')] == [('user', a.app_id)],
              'metainfo provides/dbus must be the session bus name')
    releases = root.findall('releases/release')
    check(bool(releases), 'metainfo has no releases')
    if releases:
        check(releases[0].get('version') == a.version,
              'newest release in the metainfo is %s but the project version is %s — add release notes'
              % (releases[0].get('version'), a.version))
        dates = [r.get('date') or '' for r in releases]
        check(dates == sorted(dates, reverse=True) and all(dates), 'releases must be dated, newest first')
        check(releases[0].find('description') is not None, 'the newest release needs a description')
    for lang in linguas:
        for tag in ('summary',):
            check(any(e.get(XML_LANG) == lang for e in root.findall(tag)),
                  '<%s xml:lang="%s"> missing from the merged metainfo' % (tag, lang))
        check(any(e.get(XML_LANG) == lang for e in root.findall('description/p')),
              'description paragraphs for %s missing from the merged metainfo' % lang)

    # ---- screenshots ------------------------------------------------------------------------
    shots = root.findall('screenshots/screenshot')
    if a.require_screenshots:
        check(len(shots) >= 1, 'metainfo has no screenshots')
    check(sum(1 for x in shots if x.get('type') == 'default') == (1 if shots else 0),
          'exactly one screenshot must be type="default"')
    referenced = set()
    for shot in shots:
        check(bool((shot.findtext('caption') or '').strip()), 'every screenshot needs a caption')
        for img in shot.findall('image'):
            url = (img.text or '').strip()
            if not check(url.startswith(SCREENSHOT_BASE), 'screenshot URL must start with %s: %s'
                         % (SCREENSHOT_BASE, url)):
                continue
            rel = url[len(SCREENSHOT_BASE):]
            referenced.add(os.path.normpath(rel))
            path = os.path.join(a.source_root, rel)
            size = png_size(path) if os.path.isfile(path) else None
            if not check(size is not None, 'screenshot %s is not a PNG in the repository' % rel):
                continue
            if img.get('width') and img.get('height'):
                check(size == (int(img.get('width')), int(img.get('height'))),
                      'screenshot %s is %dx%d but the metainfo says %sx%s'
                      % (rel, size[0], size[1], img.get('width'), img.get('height')))
            # AppStream recommends 620x350 and up; the app's windows are narrow by design (GNOME's
            # 360 px adaptive width), so only refuse what is clearly unusable.
            check(size[0] >= 360 and size[1] >= 300, 'screenshot %s is too small for software centres' % rel)
    shot_dir = os.path.join(a.source_root, 'data', 'screenshots')
    for dirpath, _, files in os.walk(shot_dir):
        for fn in sorted(files):
            rel = os.path.normpath(os.path.relpath(os.path.join(dirpath, fn), a.source_root))
            check(rel in referenced, '%s is not referenced by the metainfo' % rel)
    # Translated screenshots: every language that has one has all of them.
    langs = {img.get(XML_LANG) for shot in shots for img in shot.findall('image') if img.get(XML_LANG)}
    for lang in sorted(langs):
        for shot in shots:
            check(any(img.get(XML_LANG) == lang for img in shot.findall('image')),
                  'a screenshot has no %s image while others have' % lang)

    if failures:
        print('%d problem(s)' % len(failures))
        return 1
    print('ok: desktop entry, D-Bus service and metainfo agree (%d languages, %d screenshots)'
          % (len(linguas), len(shots)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
