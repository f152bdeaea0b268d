"""fs_conformance.py - helpers shared by the conformance scripts.

Running `finderscope sflow ...`, reading its JSON lines (docs/sflow-json.md)
and keeping a tally of checks.  Python 3 standard library only, so the tests
run with Debian's /usr/bin/python3 and nothing else.

Every script ends with the line "N passed, N failed" (the plain closing line
that CI reads) and exits non-zero when anything failed.
"""
import json
import os
import subprocess
import sys

# A decoder run longer than this is a hang.  Kept below the ctest TIMEOUT so
# that a hang is reported with a message instead of a bare kill.  The
# self-test lowers it to prove that a hang is caught without waiting.
RUN_TIMEOUT_S = float(os.environ.get("FS_CONFORMANCE_RUN_TIMEOUT", "18"))


class Tally:
    """Counts checks and prints one line per failure as it happens."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def ok(self):
        self.passed += 1

    def fail(self, message):
        self.failed += 1
        print("FAIL " + message)

    def check(self, condition, message):
        """Count one check; message says what was expected when it fails."""
        if condition:
            self.ok()
        else:
            self.fail(message)
        return condition

    def equal(self, what, expected, got):
        return self.check(expected == got,
                          "%s: expected %r, got %r" % (what, expected, got))

    def finish(self):
        """Print the closing line; return the process exit status."""
        print("%d passed, %d failed" % (self.passed, self.failed))
        return 0 if self.failed == 0 else 1


def run_finderscope(binary, args, tally, stdin=None):
    """Run BINARY ARGS (stdin: an open file, or none); return its stdout
    (text), or None if it did not run.

    A crash, a hang or a non-zero exit is a failure in the tally: the
    command must survive any input and exit 0.  Stdout is returned even
    then, so that the caller can still say what was decoded.
    """
    cmd = [binary] + list(args)
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE,
                              stdin=stdin if stdin is not None
                              else subprocess.DEVNULL,
                              timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        tally.fail("%s: did not finish within %g s (hang?)"
                   % (" ".join(cmd), RUN_TIMEOUT_S))
        return None
    except OSError as e:
        tally.fail("%s: cannot run: %s" % (" ".join(cmd), e))
        return None
    stderr = proc.stderr.decode("utf-8", "replace")
    if proc.returncode < 0:
        tally.fail("%s: killed by signal %d\n%s"
                   % (" ".join(cmd), -proc.returncode, tail(stderr)))
    elif proc.returncode != 0:
        tally.fail("%s: exit status %d\n%s"
                   % (" ".join(cmd), proc.returncode, tail(stderr)))
    else:
        tally.ok()
    return proc.stdout.decode("utf-8", "replace")


def tail(text, lines=20):
    """The end of a long stderr, indented, for failure messages."""
    kept = text.rstrip("\n").split("\n")[-lines:]
    return "\n".join("    | " + line for line in kept)


def parse_json_lines(text, tally, source):
    """Parse one JSON object per line; each bad line is a failure.

    Returns the objects in output order.  Blank lines are ignored.
    """
    objects = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as e:
            tally.fail("%s line %d: not JSON (%s): %.120s"
                       % (source, lineno, e, line))
            continue
        if not isinstance(obj, dict) or not isinstance(obj.get("kind"), str):
            tally.fail("%s line %d: not an object with a string \"kind\": %.120s"
                       % (source, lineno, line))
            continue
        objects.append(obj)
    return objects


def field(obj, path, missing=None):
    """obj["a"]["b"] for path "a.b", or missing when any step is absent."""
    for name in path.split("."):
        if not isinstance(obj, dict) or name not in obj:
            return missing
        obj = obj[name]
    return obj


def load_tsv(path, known_columns):
    """An oracle TSV (ORACLE.md) as (columns, rows of dicts); "#" lines
    after the header (e.g. #ERRATUM notes) are comments.  A column we do
    not know how to compare is a set-up error, so that no oracle column is
    silently ignored."""
    columns, rows = None, []
    for lineno, line in enumerate(read_text(path).splitlines(), 1):
        if not line:
            continue
        if line.startswith("#"):
            if columns is None:
                columns = line[1:].split("\t")
            continue
        cells = line.split("\t")
        if columns is None or len(cells) != len(columns):
            die("%s:%d: %d cells, header has %s"
                % (path, lineno, len(cells), columns and len(columns)))
        rows.append(dict(zip(columns, cells)))
    if columns is None:
        die("%s: no header line" % path)
    unknown = [c for c in columns if c not in known_columns]
    if unknown:
        die("%s: columns with no JSON mapping: %s" % (path, ", ".join(unknown)))
    return columns, rows


def read_text(path):
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def die(message):
    """A usage or set-up error (missing file): not a test result."""
    print("error: " + message, file=sys.stderr)
    sys.exit(2)
