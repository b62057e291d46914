#!/usr/bin/env python3
"""Translation completeness check (meson test, suite "data").

Fails when
  * po/POTFILES.in lists a file that does not exist, or misses a source file that has
    translatable strings (C gettext marks, GtkBuilder translatable="yes", GSettings schemas,
    desktop entries, AppStream metainfo);
  * po/LINGUAS and the po/*.po files disagree;
  * a catalogue does not compile with `msgfmt --check` (format strings, header, plural forms);
  * a catalogue has fuzzy or untranslated entries;
  * a message extracted *now* from the sources (xgettext with meson's glib preset, the same
    call `meson compile ringdesk-pot` makes) is missing from a catalogue, i.e. someone added or
    changed a string without running ringdesk-update-po and translating it;
  * an entry is obviously not translated (msgstr copied from a multi-word msgid), or a desktop
    Keywords list lost its trailing ';'.
Nothing is written to the source tree.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

# Same as meson's i18n PRESET_ARGS['glib'] (mesonbuild/modules/i18n.py), plus -k_ that
# mesonbuild/scripts/gettext.py always adds.
XGETTEXT_GLIB_ARGS = [
    '-k_',
    '--from-code=UTF-8',
    '--add-comments',
    '--keyword=_',
    '--keyword=N_',
    '--keyword=C_:1c,2',
    '--keyword=NC_:1c,2',
    '--keyword=g_dcgettext:2',
    '--keyword=g_dngettext:2,3',
    '--keyword=g_dpgettext2:2c,3',
    '--flag=N_:1:pass-c-format',
    '--flag=C_:2:pass-c-format',
    '--flag=NC_:2:pass-c-format',
    '--flag=g_dngettext:2:pass-c-format',
    '--flag=g_strdup_printf:1:c-format',
    '--flag=g_string_printf:2:c-format',
    '--flag=g_string_append_printf:2:c-format',
    '--flag=g_error_new:3:c-format',
    '--flag=g_set_error:4:c-format',
    '--flag=g_markup_printf_escaped:1:c-format',
    '--flag=g_log:3:c-format',
    '--flag=g_print:1:c-format',
    '--flag=g_printerr:1:c-format',
    '--flag=g_printf:1:c-format',
    '--flag=g_fprintf:2:c-format',
    '--flag=g_sprintf:2:c-format',
    '--flag=g_snprintf:3:c-format',
]

C_MARK = re.compile(r'(?<![\w.>])(?:_|N_|C_|NC_)\s*\(\s*"|(?<![\w.>])(?:g_dngettext|g_dpgettext2|g_dcgettext|ngettext|dngettext)\s*\(')
UI_MARK = re.compile(r'translatable\s*=\s*"(?:yes|true|1)"')
SKIP_DIRS = {'.git', 'po', 'tests', 'subprojects', 'flatpak', 'bench', 'docs', 'tools', '.ci'}

failures = []


def fail(msg):
    failures.append(msg)
    print('FAIL: ' + msg)


def needs_translation(root, rel):
    path = os.path.join(root, rel)
    name = os.path.basename(rel)
    try:
        with open(path, encoding='utf-8', errors='replace') as f:
            text = f.read()
    except OSError:
        return False
    if name.endswith(('.c', '.h', '.cc', '.cpp')):
        # drop comments so an example in a comment does not count
        text = re.sub(r'/\*.*?\*/', '', text, flags=re.S)
        text = re.sub(r'//[^\n]*', '', text)
        return bool(C_MARK.search(text))
    if name.endswith('.ui'):
        return bool(UI_MARK.search(text))
    if name.endswith('.gschema.xml'):
        return '<summary' in text or '<description' in text or 'l10n=' in text
    if name.endswith(('.desktop.in', '.metainfo.xml.in', '.appdata.xml.in')):
        return True
    return False


def scan_sources(root):
    found = set()
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        top = rel_dir.split(os.sep)[0]
        if rel_dir == '.':
            dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS and not d.startswith(('build', '_build', '.'))]
        elif top in SKIP_DIRS:
            dirnames[:] = []
            continue
        for fn in filenames:
            rel = os.path.normpath(os.path.join(rel_dir, fn))
            if needs_translation(root, rel):
                found.add(rel.replace(os.sep, '/'))
    return found


def read_list(path):
    items = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line:
                items.append(line)
    return items


def unquote(s):
    s = s.strip()
    assert s.startswith('"') and s.endswith('"'), s
    return bytes(s[1:-1], 'utf-8').decode('unicode_escape').encode('latin-1').decode('utf-8')


def parse_po(path):
    """Minimal PO parser: list of dicts with ctx, id, id_plural, strs, fuzzy, obsolete."""
    entries = []
    cur = None
    field = None

    def flush():
        nonlocal cur
        if cur is not None and ('id' in cur):
            entries.append(cur)
        cur = None

    with open(path, encoding='utf-8') as f:
        for raw in f:
            line = raw.rstrip('\n')
            obsolete = line.startswith('#~')
            if obsolete:
                line = line[2:].lstrip()
            if not line.strip():
                flush()
                field = None
                continue
            if line.startswith('#'):
                if cur is not None and 'id' in cur and field and field.startswith('str'):
                    flush()
                if cur is None:
                    cur = {'flags': set(), 'strs': {}, 'obsolete': obsolete}
                if line.startswith('#,'):
                    cur['flags'].update(x.strip() for x in line[2:].split(','))
                continue
            m = re.match(r'(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$', line)
            if m:
                key = m.group(1)
                if key in ('msgctxt', 'msgid') and cur is not None and 'id' in cur and field and field.startswith('str'):
                    flush()
                if cur is None:
                    cur = {'flags': set(), 'strs': {}, 'obsolete': obsolete}
                cur['obsolete'] = cur.get('obsolete', False) or obsolete
                val = unquote(m.group(3))
                if key == 'msgctxt':
                    cur['ctx'] = val
                    field = 'ctx'
                elif key == 'msgid':
                    cur['id'] = val
                    field = 'id'
                elif key == 'msgid_plural':
                    cur['id_plural'] = val
                    field = 'id_plural'
                else:
                    idx = int(m.group(2) or 0)
                    cur['strs'][idx] = val
                    field = 'str%d' % idx
                continue
            if line.startswith('"') and cur is not None and field:
                val = unquote(line)
                if field.startswith('str'):
                    cur['strs'][int(field[3:])] += val
                else:
                    cur[field] += val
                continue
            raise SystemExit('%s: cannot parse line: %r' % (path, raw))
    flush()
    return entries


def key_of(e):
    return (e.get('ctx'), e['id'])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--source-root', required=True)
    ap.add_argument('--package', default='ringdesk')
    ap.add_argument('--xgettext', default='xgettext')
    ap.add_argument('--msgfmt', default='msgfmt')
    args = ap.parse_args()

    root = os.path.abspath(args.source_root)
    po_dir = os.path.join(root, 'po')

    # 1. POTFILES.in
    potfiles = read_list(os.path.join(po_dir, 'POTFILES.in'))
    listed = set(potfiles)
    if not potfiles:
        fail('po/POTFILES.in lists no files')
    for rel in potfiles:
        if not os.path.isfile(os.path.join(root, rel)):
            fail('po/POTFILES.in lists %s, which does not exist' % rel)
    if potfiles != sorted(potfiles):
        fail('po/POTFILES.in is not sorted')
    for rel in sorted(scan_sources(root) - listed):
        fail('%s has translatable strings but is not listed in po/POTFILES.in' % rel)

    # 2. LINGUAS vs *.po
    linguas = read_list(os.path.join(po_dir, 'LINGUAS'))
    po_files = sorted(f[:-3] for f in os.listdir(po_dir) if f.endswith('.po'))
    for lang in linguas:
        if lang not in po_files:
            fail('po/LINGUAS lists %s but po/%s.po is missing' % (lang, lang))
    for lang in po_files:
        if lang not in linguas:
            fail('po/%s.po exists but %s is not in po/LINGUAS (it would never be installed)' % (lang, lang))
    if failures:
        return 1

    # 3. extract the template from the current sources
    with tempfile.TemporaryDirectory() as tmp:
        pot = os.path.join(tmp, args.package + '.pot')
        cmd = [args.xgettext, '--package-name=' + args.package, '-p', tmp,
               '-f', os.path.join(po_dir, 'POTFILES.in'), '-D', root, '-o', pot] + XGETTEXT_GLIB_ARGS[1:]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            fail('xgettext failed (%d): %s' % (r.returncode, r.stderr.strip()))
            return 1
        if r.stderr.strip():
            print(r.stderr.strip())
        template = [e for e in parse_po(pot) if e['id'] != '' or e.get('ctx')]
        print('template: %d messages from %d files' % (len(template), len(potfiles)))
        if not template:
            fail('xgettext extracted no messages')

        for lang in linguas:
            path = os.path.join(po_dir, lang + '.po')
            # 4. msgfmt --check (format strings, header, plural forms, accelerators)
            r = subprocess.run([args.msgfmt, '--check', '--check-accelerators=_', '--statistics',
                                '-o', os.devnull, path], capture_output=True, text=True)
            stats = (r.stderr or '').strip()
            print('%s: %s' % (lang, stats.splitlines()[-1] if stats else ''))
            if r.returncode != 0:
                fail('%s.po: msgfmt --check failed:\n%s' % (lang, stats))
                continue
            if re.search(r'\d+ fuzzy translation', stats):
                fail('%s.po has fuzzy entries: %s' % (lang, stats))
            if re.search(r'\d+ untranslated message', stats):
                fail('%s.po has untranslated entries: %s' % (lang, stats))

            entries = parse_po(path)
            live = {key_of(e): e for e in entries if not e['obsolete'] and (e['id'] != '' or e.get('ctx'))}
            header = [e for e in entries if e['id'] == '' and not e.get('ctx') and not e['obsolete']]
            if not header:
                fail('%s.po has no header entry' % lang)
            elif ('Language: %s\n' % lang) not in header[0]['strs'].get(0, ''):
                fail('%s.po header lacks "Language: %s"' % (lang, lang))

            # 5. every message of the current sources is translated
            for t in template:
                e = live.get(key_of(t))
                where = 'msgid %r%s' % (t['id'], (' (context %r)' % t['ctx']) if t.get('ctx') else '')
                if e is None:
                    fail('%s.po lacks %s — run `meson compile -C <build> ringdesk-update-po` and translate it' % (lang, where))
                    continue
                if 'fuzzy' in e['flags']:
                    fail('%s.po: %s is fuzzy' % (lang, where))
                if t.get('id_plural') and e.get('id_plural') != t['id_plural']:
                    fail('%s.po: %s has a different plural form than the sources' % (lang, where))
                strs = e['strs']
                if not strs or any(not s for s in strs.values()):
                    fail('%s.po: %s is untranslated' % (lang, where))
                    continue
                s0 = strs[0]
                words = [w for w in t['id'].split() if re.fullmatch(r"[A-Za-z’']{2,}[.,:;!?]?", w)]
                if s0 == t['id'] and len(words) >= 3:
                    fail('%s.po: %s is copied, not translated' % (lang, where))
                if t['id'].rstrip().endswith(';') and not s0.rstrip().endswith(';'):
                    fail('%s.po: %s is a ;-separated list but the translation does not end with ;' % (lang, where))
                if t['id'].endswith('\n') != s0.endswith('\n'):
                    fail('%s.po: %s: trailing newline differs' % (lang, where))
            stale = [k for k in live if k not in {key_of(t) for t in template}]
            if stale:
                print('%s.po: %d entries no longer in the sources (run ringdesk-update-po): %s'
                      % (lang, len(stale), ', '.join(repr(k[1][:40]) for k in stale[:5])))

    if failures:
        print('%d problem(s)' % len(failures))
        return 1
    print('ok: %d languages, %d messages each' % (len(linguas), len(template)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
