# SPDX-License-Identifier: GPL-2.0-or-later
"""The TAP printer of every Python test: points that pass or fail, are
skipped with a reason, or are known failures (TODO) that name the issue
that fixes them; the detail of a failed point follows it as comments
(and goes to stderr, which meson shows for a failed test)."""

import sys


class Tap:
    def __init__(self):
        self.points = []
        self.notes = []

    def point(self, what, ok, detail="", *, skip=None, todo=None):
        self.points.append((what, bool(ok), detail, skip, todo))

    def note(self, text):
        """A comment printed before the points."""
        self.notes.append(text)

    def print(self):
        print("TAP version 13")
        print("1..%d" % len(self.points))
        for text in self.notes:
            for line in text.splitlines():
                print("# " + line)
        for i, (what, ok, detail, skip, todo) in enumerate(self.points, 1):
            if skip:
                print("ok %d - %s # SKIP %s" % (i, what, skip))
                continue
            line = "%s %d - %s" % ("ok" if ok else "not ok", i, what)
            if todo:
                line += " # TODO " + todo
            print(line)
            if not ok and detail:
                for d in str(detail).splitlines()[:20]:
                    print("# " + d)
            if not ok and not todo:
                # meson prints a failed test's stderr (not its TAP
                # comments) with --print-errorlogs: CI's record then
                # says why, not only which point.
                print("not ok %d - %s" % (i, what), file=sys.stderr)
                for d in str(detail).splitlines()[:40]:
                    print("    " + d, file=sys.stderr)
