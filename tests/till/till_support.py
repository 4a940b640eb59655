# Shared by the till's tests: start and stop the middlewares and the till, talk to its API,
# decode barcodes with zbarimg.
# SPDX-License-Identifier: MIT
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

SECRET = "eFc5HrxwLbONJ+EYXrbHB+a9HueYIQzotgKRLRVAfx0="
HERE = os.path.dirname(os.path.abspath(__file__))


class Process:
    """A child process that prints `<prefix> <url>` once it listens; stopped by stop()."""

    def __init__(self, name, argv, prefix, cwd=None, timeout=15):
        self.name = name
        self.log_path = os.path.join(tempfile.gettempdir(), "till-test-%s-%d.log" % (name, os.getpid()))
        self.log = open(self.log_path, "w+b")
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT, cwd=cwd,
                                     start_new_session=True)
        self.url = None
        deadline = time.time() + timeout
        while time.time() < deadline:
            with open(self.log_path, "rb") as f:
                text = f.read().decode(errors="replace")
            m = re.search(re.escape(prefix) + r" (http://127\.0\.0\.1:\d+/?)", text)
            if m:
                self.url = m.group(1)
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("%s did not start:\n%s" % (name, self.output()))

    def output(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.log.close()
        try:
            os.unlink(self.log_path)
        except OSError:
            pass


def python3():
    # The Debian interpreter has python3-selenium; a PATH python3 (pyenv, venv) may not.
    return "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


def start_demo(demo_path, data_dir):
    now = time.strftime("%Y-%m-%d", time.gmtime()) + "T10:15:00.000+00:00"
    return Process("demo", [demo_path, "--port", "0", "--secret", SECRET, "--data", data_dir,
                            "--now", now], "listening on")


def start_showcase():
    return Process("showcase", [python3(), os.path.join(HERE, "showcase_middleware.py"),
                                "--port", "0", "--secret", SECRET], "listening on")


def start_till(tool_path, middleware_url, extra=()):
    base = middleware_url.rstrip("/") + "/webhooks"
    return Process("till", [tool_path, "till", "--url", base, "--secret", SECRET,
                            "--port", "0"] + list(extra), "till on")


def api(base, method, path, body=None, headers=None, raw=None):
    """(status, JSON or text) of one call to the till's API."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    h = {"Accept": "application/json"}
    if body is not None:
        h["Content-Type"] = "application/json"
    h.update(headers or {})
    req = urllib.request.Request(base.rstrip("/") + path, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=90) as r:
            status, text = r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode()
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def zbarimg(png_path):
    """The symbols zbarimg reads in the image, as [(type, data)]."""
    typed = subprocess.run(["zbarimg", "-q", png_path], capture_output=True, timeout=30)
    result = []
    for line in typed.stdout.decode(errors="replace").splitlines():
        kind, _, data = line.partition(":")
        result.append((kind, data))
    return result


class Checks:
    """Counts checks and failures; a failed check prints what was expected and what came."""

    def __init__(self):
        self.count = 0
        self.failures = []

    def equal(self, got, want, what):
        self.count += 1
        if got != want:
            self.failures.append("%s: expected %r, got %r" % (what, want, got))
            print("FAIL " + self.failures[-1], flush=True)
            return False
        return True

    def true(self, cond, what):
        self.count += 1
        if not cond:
            self.failures.append(what)
            print("FAIL " + what, flush=True)
        return bool(cond)
