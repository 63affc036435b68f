#!/usr/bin/env python3
"""Runs MOSN's own example and test configs through bin/mosn and reports what each does.

Reads the files from a bare clone of github.com/mosn/mosn (nothing of MOSN's is copied into this
repository), writes each to a temp dir with its listener and admin addresses moved to free ports on
127.0.0.1 and its log path set to stdout (so it runs on a shared machine), starts
`bin/mosn start -c FILE`, and records whether it started (then stops it with SIGTERM), or was refused
and with which line, plus every WARN line it printed.

    mosn-it/mosn-config-survey.py [--mirror GIT_DIR] [--all] [--json OUT] [--show-warnings]

--all adds the JSON/YAML files outside examples/codes/ and configs/ (pkg testdata, benchmark).
Needs python3 (stdlib only), git, and a built checkout (./mvnw -q -DskipTests package).
"""
import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_MIRROR = "/work/.mirror/mosn+mosn/repo"
SKIP_DIRS = ("vendor/", ".github/", ".devcontainer/", "istio/")


def git(mirror, *args):
    return subprocess.run(["git", "-C", mirror, *args], check=True, capture_output=True, text=True).stdout


def config_files(mirror, everything):
    names = git(mirror, "ls-tree", "-r", "--name-only", "HEAD").splitlines()
    out = []
    for n in names:
        if not re.search(r"\.(json|ya?ml)$", n) or n.startswith(SKIP_DIRS) or n.startswith(".licenserc"):
            continue
        if everything or n.startswith(("examples/codes/", "configs/")):
            out.append(n)
    return out


USED = set()


def free_port():
    """A port on 127.0.0.1 that binds now, away from the usual fixed ones and never handed out twice."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            p = s.getsockname()[1]
        if p not in USED:
            USED.add(p)
            return p


def relocate(text):
    """Moves every local listen address and admin port to a free 127.0.0.1 port, logs to stdout."""
    ports = {}

    def port_for(old):
        if old not in ports:
            ports[old] = free_port()
        return ports[old]

    text = re.sub(r'(["\s])(?:0\.0\.0\.0|127\.0\.0\.1|localhost)?:(\d{2,5})(["\s])',
                  lambda m: "%s127.0.0.1:%d%s" % (m.group(1), port_for(m.group(2)), m.group(3)), text)
    text = re.sub(r'("?port_value"?\s*:\s*)(\d+)', lambda m: "%s%d" % (m.group(1), port_for(m.group(2))), text)
    text = re.sub(r'("?address"?\s*:\s*)("?)0\.0\.0\.0\2', r'\1\g<2>127.0.0.1\2', text)
    text = re.sub(r'("?default_log_path"?\s*:\s*)"[^"]*"', r'\1"stdout"', text)
    return text


def run_one(path, text, timeout):
    d = tempfile.mkdtemp(prefix="mosn-survey-")
    f = os.path.join(d, os.path.basename(path))
    with open(f, "w") as fh:
        fh.write(relocate(text))
    out_path = os.path.join(d, "out")
    env = dict(os.environ)
    with open(out_path, "w") as out:
        # -l INFO: the "started" line shows even when the file asks for WARN
        p = subprocess.Popen([os.path.join(ROOT, "bin/mosn"), "start", "-c", f, "-l", "INFO"], stdout=out, stderr=subprocess.STDOUT,
                             cwd=d, env=env, start_new_session=True)
    deadline = time.time() + timeout
    started = False
    while time.time() < deadline:
        if p.poll() is not None:
            break
        with open(out_path) as fh:
            if "mosn4j started" in fh.read():
                started = True
                break
        time.sleep(0.1)
    if started or p.poll() is None:
        time.sleep(0.3)
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(40)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
    with open(out_path) as fh:
        output = fh.read()
    subprocess.run(["rm", "-rf", d])
    lines = output.splitlines()
    refusal = next((l for l in lines if l.startswith("mosn: ")), None)
    warnings = [re.sub(r"^.*?\[WARN\] \[[^]]*\] ", "", l) for l in lines if "[WARN]" in l]
    if started:
        result = "started"
    elif refusal is not None:
        result = "refused"
    else:
        result = "other (exit %s)" % p.returncode
    return {"file": path, "result": result, "exit": p.returncode, "refusal": refusal, "warnings": warnings,
            "tail": lines[-5:] if result.startswith("other") else []}


def reason_of(refusal):
    """The refusal without the file name: 'mosn: invalid config /tmp/x/c.json: PATH: why' -> 'PATH: why'."""
    m = re.match(r"mosn: (?:invalid config \S+: |cannot start: )?(.*)", refusal or "")
    return m.group(1) if m else refusal


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mirror", default=DEFAULT_MIRROR)
    ap.add_argument("--all", action="store_true", help="also files outside examples/codes/ and configs/")
    ap.add_argument("--json", help="write the results as JSON to this file")
    ap.add_argument("--show-warnings", action="store_true")
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("files", nargs="*", help="only these paths inside the mirror")
    a = ap.parse_args()
    if not os.path.isdir(a.mirror):
        sys.exit("no MOSN mirror at %s (a bare clone of github.com/mosn/mosn)" % a.mirror)
    files = a.files or config_files(a.mirror, a.all)
    results = []
    for path in files:
        text = git(a.mirror, "show", "HEAD:" + path)
        r = run_one(path, text, a.timeout)
        results.append(r)
        detail = reason_of(r["refusal"]) if r["result"] == "refused" else ("%d warning(s)" % len(r["warnings"]))
        print("%-8s %-72s %s" % (r["result"].split()[0], path, detail), flush=True)
        if a.show_warnings or r["result"].startswith("other"):
            for w in r["warnings"]:
                print("           warn: " + w)
            for t in r["tail"]:
                print("           out:  " + t)
    started = [r for r in results if r["result"] == "started"]
    refused = [r for r in results if r["result"] == "refused"]
    print()
    groups = [("", results)]
    if a.all:
        groups.append((" in examples/codes/ and configs/", [r for r in results if r["file"].startswith(("examples/codes/", "configs/"))]))
    for label, rs in groups:
        st = [r for r in rs if r["result"] == "started"]
        rf = [r for r in rs if r["result"] == "refused"]
        print("%d files%s: %d started (%d of them with warnings), %d refused, %d other" % (
            len(rs), label, len(st), sum(1 for r in st if r["warnings"]), len(rf), len(rs) - len(st) - len(rf)))
    why = {}
    for r in refused:
        reason = reason_of(r["refusal"])
        key = re.sub(r"^\S+: ", "", reason)  # without the field path
        key = re.sub(r'"[^"]*"', '"…"', key)
        why.setdefault(key, []).append(r["file"])
    for k, v in sorted(why.items(), key=lambda e: -len(e[1])):
        print("  %3d refused: %s" % (len(v), k))
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(results, fh, indent=1)


if __name__ == "__main__":
    main()
