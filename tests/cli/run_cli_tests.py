#!/usr/bin/env python3
"""run_cli_tests.py - run natsauth CLI test cases written as data.

usage: run_cli_tests.py --bin PATH/TO/natsauth --cases DIR|FILE.t [...]
                        [--fixtures DIR] [-k SUBSTRING] [-v]

Each case runs in a fresh temporary directory holding a copy of the fixtures
(every copied file is made mode 0600), with `natsauth` first on PATH, through
`/bin/sh -c`, so pipes, `&&`, redirections and VAR=value prefixes work. HOME
is that directory; NATSAUTH_* and XDG_* variables are not passed on.

Case file format (one case per `$` line; blank lines are ignored):

    # what this case proves        comment; the block just above `$` names the case
    $ natsauth keys pub -          the command
    + natsauth keys pub -          continues the command on a new line: a script
                                   of several commands in the same directory
    < SUAKYRHV...                  a line of stdin ("\\n" appended); `<` alone = empty line
    > UD466L6E...                  an expected stdout line (exact)
    ~ ^SU[A-Z2-7]{56}$             an expected stdout line matching a regex (fullmatch)
    * text                         stdout contains text (anywhere)
    ! text                         stderr contains text
    ? 0                            the expected exit code (required)
    @ allow-seed                   this case may print a seed (keys gen, creds)

A command with `+` lines runs under `set -e`: the first failing line ends it
with its exit code (write `cmd || echo "rc=$?"` to go on after an expected
failure). Only the output of the whole script is checked.

Rules: if a case has `>` or `~` lines, stdout must be exactly those lines, in
order; with only `*` lines, each must occur; with neither, stdout must be
empty. Without `!` lines stderr must be empty. Unless `@ allow-seed` is
given, no output may contain a seed (S + type letter + base32, 58 chars).

Prints one `ok`/`FAIL` line per case and ends with `N passed, N failed`;
exits 1 if any case failed, 2 on a malformed case file.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

SEED_RE = re.compile(r"S[OAUNCX][A-Z2-7]{56}")


class Case:
    def __init__(self, path, line):
        self.path, self.line = path, line
        self.title = None
        self.cmd = None
        self.script = []      # `+` lines after the `$` line
        self.stdin = []
        self.stdout = []      # list of ("=", text) or ("~", regex)
        self.contains = []
        self.stderr = []
        self.code = None
        self.allow_seed = False

    def name(self):
        return "%s:%d %s" % (os.path.basename(self.path), self.line, self.title or self.cmd)


def parse(path):
    cases, comments, cur = [], [], None
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if not line.strip():
                if cur is None or cur.code is not None:
                    comments = []  # a case is named by the comment block just above it
                continue
            tag, _, rest = line.partition(" ")
            if line.startswith("#"):
                if cur is not None and cur.code is not None:
                    cur = None
                if cur is None:  # comments inside a case are just comments
                    comments.append(line.lstrip("#").strip())
                continue
            if tag == "$":
                cur = Case(path, n)
                cur.cmd = rest
                cur.title = next((c for c in comments if c), None)
                comments = []
                cases.append(cur)
                continue
            if cur is None:
                raise SyntaxError("%s:%d: %r before any `$` line" % (path, n, line))
            if tag == "+":
                if cur.stdin or cur.stdout or cur.contains or cur.stderr or cur.code is not None:
                    raise SyntaxError("%s:%d: `+` must follow the `$` line" % (path, n))
                cur.script.append(rest)
            elif tag == "<":
                cur.stdin.append(rest)
            elif tag == ">":
                cur.stdout.append(("=", rest))
            elif tag == "~":
                cur.stdout.append(("~", rest))
            elif tag == "*":
                cur.contains.append(rest)
            elif tag == "!":
                cur.stderr.append(rest)
            elif tag == "?":
                cur.code = int(rest)
            elif tag == "@" and rest == "allow-seed":
                cur.allow_seed = True
            else:
                raise SyntaxError("%s:%d: unknown line %r" % (path, n, line))
    for c in cases:
        if c.code is None:
            raise SyntaxError("%s:%d: case has no `?` exit code" % (path, c.line))
    return cases


def check(case, rc, out, err):
    """Return a list of problems (empty when the case passed)."""
    problems = []
    if rc != case.code:
        problems.append("exit code %d, want %d" % (rc, case.code))
    lines = out.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if case.stdout:
        if len(lines) != len(case.stdout):
            problems.append("stdout has %d lines, want %d" % (len(lines), len(case.stdout)))
        for i, ((kind, want), got) in enumerate(zip(case.stdout, lines), 1):
            if kind == "=" and got != want:
                problems.append("stdout line %d: got %r, want %r" % (i, got, want))
            if kind == "~" and not re.fullmatch(want, got):
                problems.append("stdout line %d: %r does not match /%s/" % (i, got, want))
    for want in case.contains:
        if want not in out:
            problems.append("stdout lacks %r" % want)
    if not case.stdout and not case.contains and out:
        problems.append("stdout should be empty")
    for want in case.stderr:
        if want not in err:
            problems.append("stderr lacks %r" % want)
    if not case.stderr and err:
        problems.append("stderr should be empty")
    if not case.allow_seed:
        for stream, text in (("stdout", out), ("stderr", err)):
            if SEED_RE.search(text):
                problems.append("%s contains a seed" % stream)
    return problems


def run_case(case, binary, fixtures, timeout):
    with tempfile.TemporaryDirectory(prefix="natsauth-cli-") as tmp:
        work = os.path.join(tmp, "work")
        bindir = os.path.join(tmp, "bin")
        shutil.copytree(fixtures, work)
        for root, _, files in os.walk(work):
            for fn in files:
                os.chmod(os.path.join(root, fn), 0o600)
        os.mkdir(bindir)
        os.symlink(binary, os.path.join(bindir, "natsauth"))
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("NATSAUTH") and not k.startswith("XDG_")}
        # HOME is the case's directory: the default store path never leaves it
        env.update(PATH=bindir + os.pathsep + env.get("PATH", "/usr/bin:/bin"),
                   LC_ALL="C", TZ="UTC", HOME=work)
        stdin = "".join(s + "\n" for s in case.stdin).encode()
        script = case.cmd
        if case.script:
            script = "\n".join(["set -e", case.cmd] + case.script)
        p = subprocess.run(["/bin/sh", "-c", script], cwd=work, env=env, input=stdin,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
        out = p.stdout.decode("utf-8", "replace")
        err = p.stderr.decode("utf-8", "replace")
        return p.returncode, out, err


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", required=True, help="the natsauth binary")
    ap.add_argument("--cases", required=True, nargs="+", help=".t files or directories")
    ap.add_argument("--fixtures", help="fixture directory (default: fixtures/ beside this script)")
    ap.add_argument("-k", dest="filter", help="only cases whose name contains this")
    ap.add_argument("-v", action="store_true", help="show output of failing cases")
    ap.add_argument("--timeout", type=float, default=60)
    args = ap.parse_args()

    binary = os.path.abspath(args.bin)
    fixtures = os.path.abspath(args.fixtures or
                               os.path.join(os.path.dirname(__file__), "fixtures"))
    if not os.access(binary, os.X_OK):
        print("run_cli_tests: %s is not an executable" % binary, file=sys.stderr)
        return 2
    files = []
    for c in args.cases:
        if os.path.isdir(c):
            files += sorted(os.path.join(c, f) for f in os.listdir(c) if f.endswith(".t"))
        else:
            files.append(c)
    try:
        cases = [case for f in files for case in parse(f)]
    except (SyntaxError, ValueError, OSError) as e:
        print("run_cli_tests: %s" % e, file=sys.stderr)
        return 2
    if not cases:
        print("run_cli_tests: no cases found", file=sys.stderr)
        return 2
    passed = failed = 0
    for case in cases:
        if args.filter and args.filter not in case.name():
            continue
        try:
            rc, out, err = run_case(case, binary, fixtures, args.timeout)
            problems = check(case, rc, out, err)
        except subprocess.TimeoutExpired:
            rc, out, err, problems = -1, "", "", ["timed out"]
        if problems:
            failed += 1
            print("FAIL %s" % case.name())
            print("     $ %s" % case.cmd)
            for p in problems:
                print("     - %s" % p)
            if args.v:
                print("     stdout: %r" % out[:2000])
                print("     stderr: %r" % err[:2000])
        else:
            passed += 1
            print("ok   %s" % case.name())
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
