#!/usr/bin/env python3
"""Copies the screenshots the AppStream metainfo shows from the screenshot test's output
(<builddir>/tests/app/screenshots/<lang>/) into data/screenshots/ (English) and
data/screenshots/<lang>/ (translations). Run `meson test -C build --suite app` first; `meson
compile -C build update-screenshots` runs this."""
import os
import shutil
import sys

SHOWN = ['main-window', 'recent-calls', 'preferences', 'preferences-popups']
LANGS = ['en', 'zh_CN']


def main():
    src, dest = sys.argv[1], sys.argv[2]
    missing = [os.path.join(src, l, n + '.png') for l in LANGS for n in SHOWN
               if not os.path.isfile(os.path.join(src, l, n + '.png'))]
    if missing:
        print('missing (run `meson test --suite app` under Xvfb first):\n  ' + '\n  '.join(missing),
              file=sys.stderr)
        return 1
    for lang in LANGS:
        out = dest if lang == 'en' else os.path.join(dest, lang)
        os.makedirs(out, exist_ok=True)
        for name in SHOWN:
            shutil.copyfile(os.path.join(src, lang, name + '.png'), os.path.join(out, name + '.png'))
            print('updated', os.path.relpath(os.path.join(out, name + '.png')))
    return 0


if __name__ == '__main__':
    sys.exit(main())
