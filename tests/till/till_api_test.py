#!/usr/bin/env python3
# The till's local server without a browser: the page and its assets, the JSON API (steps,
# state, reset, scenario), the guards against other sites, and the barcodes it draws, decoded
# with zbarimg. An exported scenario is replayed with `mplus-webhooks simulate --scenario`.
# SPDX-License-Identifier: MIT
#
#   till_api_test.py --tool mplus-webhooks
#
# Exit 0 when every check held. Every process started is stopped, also on failure.
import argparse
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import till_support as ts  # noqa: E402


def raw_get(base, path, headers=None):
    u = urllib.parse.urlparse(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    conn.request("GET", path, headers=headers or {})
    r = conn.getresponse()
    out = (r.status, dict(r.getheaders()), r.read())
    conn.close()
    return out


def rasterize(svg, scale=4):
    """The SVG the till draws (one path of rectangles) as a PGM image, black on white."""
    view = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg)
    w, h = float(view.group(1)), float(view.group(2))
    width, height = int(round(w * scale)), int(round(h * scale))
    pixels = bytearray([255]) * (width * height)
    path = re.search(r'<path fill="#000" d="([^"]*)"', svg).group(1)
    for m in re.finditer(r"M([\d.]+) ([\d.]+)h([\d.]+)v([\d.]+)h-[\d.]+z", path):
        x, y, rw, rh = (float(v) for v in m.groups())
        x0, y0 = int(round(x * scale)), int(round(y * scale))
        x1, y1 = int(round((x + rw) * scale)), int(round((y + rh) * scale))
        for row in range(y0, min(y1, height)):
            pixels[row * width + x0:row * width + min(x1, width)] = bytes(min(x1, width) - x0)
    return b"P5\n%d %d\n255\n" % (width, height) + bytes(pixels)


def decode_svg(svg, name):
    path = os.path.join(tempfile.gettempdir(), "till-api-%d-%s.pgm" % (os.getpid(), name))
    with open(path, "wb") as f:
        f.write(rasterize(svg))
    try:
        return ts.zbarimg(path)
    finally:
        os.unlink(path)


def run(tool, c):
    showcase = ts.start_showcase()
    till = None
    try:
        till = ts.start_till(tool, showcase.url)
        base = till.url
        port = urllib.parse.urlparse(base).port
        c.true(re.fullmatch(r"http://127\.0\.0\.1:\d+/", base), "the till prints its URL: " + base)

        # The page and its assets, served by the tool itself.
        status, headers, body = raw_get(base, "/")
        c.equal(status, 200, "GET /")
        c.true(headers.get("Content-Type", "").startswith("text/html"), "the page is HTML")
        c.true("default-src 'self'" in headers.get("Content-Security-Policy", ""),
               "the page may load nothing from elsewhere")
        c.true(b'src="/till.js"' in body and b"http" not in body.replace(b"http://", b""),
               "the page names only local files")
        for path, kind in (("/till.js", "text/javascript"), ("/till.css", "text/css")):
            status, headers, body = raw_get(base, path)
            c.equal((status, headers.get("Content-Type", "").split(";")[0]), (200, kind), path)
            c.true(len(body) > 1000, path + " has its content")
        c.equal(raw_get(base, "/nothing.js")[0], 404, "an unknown file is 404")
        c.equal(raw_get(base, "/api/state", {"Host": "evil.example:%d" % port})[0], 403,
                "a request for another host name is refused (DNS rebinding)")

        # Bad steps: refused with the reason, nothing sent.
        status, body = ts.api(base, "POST", "/api/step", raw=b'{"action":"startSession"}',
                              headers={"Content-Type": "text/plain"})
        c.equal(status, 415, "a step that is not application/json")
        status, body = ts.api(base, "POST", "/api/step", raw=b"{nope",
                              headers={"Content-Type": "application/json"})
        c.equal(status, 400, "a step that is not JSON")
        status, body = ts.api(base, "POST", "/api/step", {"action": "fly"})
        c.true(status == 400 and "/action" in body.get("error", ""),
               "an unknown action is refused naming /action: %r" % (body,))
        status, body = ts.api(base, "POST", "/api/step", {"action": "addLine", "quantity": "2"})
        c.true(status == 400 and "/quantity" in body.get("error", ""),
               "a wrong type is refused naming its path: %r" % (body,))
        c.equal(ts.api(base, "GET", "/api/state")[1]["exchanges"], [], "nothing was sent")

        # A sale through the API: the answers carry the till and this step's exchanges.
        status, r = ts.api(base, "POST", "/api/step",
                           {"action": "addLine", "articleNumber": 1001, "text": "Souvenir mug",
                            "priceIncl": 12.95, "quantity": 1})
        c.equal(status, 200, "addLine")
        c.equal([x["event"] for x in r["exchanges"]], ["startSession", "addSessionLine"],
                "the till starts a session first")
        c.true(all(x["signatureOk"] and x["status"] == 200 for x in r["exchanges"]),
               "signed replies, HTTP 200")
        c.true(all(re.match(r"\d{4}-\d\d-\d\dT", x.get("time") or "") for x in r["exchanges"]),
               "every exchange has its time")
        c.equal(r["till"]["total"], 11.65, "the total after the external discount")
        c.equal(r["till"]["lines"][0]["externalDiscount"]["discountPercentage"], 10,
                "the discount is on the line")
        status, r = ts.api(base, "POST", "/api/step", {"action": "customAction",
                                                       "customActionId": "extras"})
        c.equal(r["till"]["dialog"]["dialogTitle"], "Pick your extras", "the dialog is open")
        status, r = ts.api(base, "POST", "/api/step", {"action": "choose", "option": [1, 3]})
        c.equal(r["exchanges"][0]["kind"], "dialogAnswer", "the answer re-sends the event")
        c.equal(r["exchanges"][0]["request"]["dialog"]["selectedDialogOptionIds"], [1, 3],
                "with both choices")
        c.true(r["till"]["dialog"] is None, "the dialog is closed")

        # The page's external payment: started, polled one by one, recorded as payExternal.
        status, r = ts.api(base, "POST", "/api/step",
                           {"action": "startExternalPayment", "method": "PIN"})
        c.equal(r["till"]["payment"]["status"], "started", "the payment started")
        for _ in range(3):
            status, r = ts.api(base, "POST", "/api/step", {"action": "pollExternalPayment"})
        c.equal(r["till"]["payment"]["status"], "confirmed", "confirmed on the third poll")
        c.equal(r["till"]["payment"]["externalTransactionReference"], "TX-3", "its reference")
        status, r = ts.api(base, "POST", "/api/step", {"action": "complete"})
        c.equal(len(r["till"]["receiptFooters"]), 3, "the receipt's three footers")
        c.true(not r["till"]["sessionOpen"], "the sale is closed")

        status, state = ts.api(base, "GET", "/api/state")
        c.equal([x["event"] for x in state["exchanges"]],
                ["startSession", "addSessionLine", "customAction", "customAction",
                 "startPayment", "startExternalPayment", "pollExternalPayment", "pollExternalPayment",
                 "pollExternalPayment", "completeSession"], "GET /api/state: every exchange")

        status, scenario = ts.api(base, "GET", "/api/scenario")
        c.equal([s["action"] for s in scenario["steps"]],
                ["addLine", "customAction", "choose", "payExternal", "complete"],
                "GET /api/scenario: the steps, the payment as one payExternal")
        c.true(any(a.get("articleNumber") == 235 for a in scenario["till"]["articles"]),
               "the scenario names the till's articles")
        replay(tool, showcase.url, scenario, c)

        # The exported steps are scenario steps: run again on a fresh till, they give the
        # same sale (the payment now polled by the engine within its payExternal step).
        ts.api(base, "POST", "/api/reset")
        for i, s in enumerate(scenario["steps"]):
            status, r = ts.api(base, "POST", "/api/step", s)
            c.true(status == 200 and not r.get("problems"),
                   "replayed step %d (%s): %r" % (i, s["action"], r if status != 200
                                                  else r.get("problems")))
        c.equal((r["till"]["payment"]["status"], r["till"]["payment"].get(
            "externalTransactionReference"), len(r["till"]["receiptFooters"])),
            ("confirmed", "TX-3", 3), "the replayed sale ends as the played one")

        status, r = ts.api(base, "POST", "/api/reset")
        c.equal((status, r["exchanges"], r["till"]["sessionOpen"]), (200, [], False),
                "POST /api/reset forgets everything")
        c.equal(ts.api(base, "GET", "/api/scenario")[1]["steps"], [], "no steps after a reset")

        # The till's rules on cancelling: a forced cancel waits 30 s without an answer; asking
        # to cancel is recorded as payExternal's requestCancelAfterSeconds, in polls.
        ts.api(base, "POST", "/api/step", {"action": "addLine", "text": "Tea", "priceIncl": 3})
        status, r = ts.api(base, "POST", "/api/step",
                           {"action": "startExternalPayment", "method": "PIN", "amount": 3})
        ts.api(base, "POST", "/api/step", {"action": "pollExternalPayment"})
        status, r = ts.api(base, "POST", "/api/step", {"action": "cancelExternalPayment"})
        c.true(status == 200 and r["exchanges"] == [] and r["till"]["payment"]["status"] ==
               "started", "a forced cancel right after an answer is refused, nothing sent")
        status, r = ts.api(base, "POST", "/api/step", {"action": "requestCancelExternalPayment"})
        c.equal(r["till"]["payment"]["status"], "cancelled", "asking to cancel cancels")
        steps = ts.api(base, "GET", "/api/scenario")[1]["steps"]
        c.equal(steps[-1], {"action": "payExternal", "method": "PIN", "amount": 3,
                            "requestCancelAfterSeconds": 1}, "recorded as payExternal")

        # Barcodes drawn by the tool, decoded by zbarimg.
        for kind, data, want in (("code128", "ORD-4711", "CODE-128"),
                                 ("qrcode", "https://receipts.example/r/4711?x=1&y=2", "QR-Code"),
                                 ("qrcode", "Café ☕ 4711", "QR-Code")):
            status, headers, body = raw_get(base, "/barcode.svg?" + urllib.parse.urlencode(
                {"type": kind, "data": data}))
            c.equal((status, headers.get("Content-Type")), (200, "image/svg+xml"), kind + " svg")
            c.equal(decode_svg(body.decode(), kind), [(want, data)],
                    "zbarimg reads the %s %r" % (kind, data))
        c.equal(raw_get(base, "/barcode.svg?type=ean13&data=1")[0], 400, "an unknown symbology")
        c.equal(raw_get(base, "/barcode.svg?type=code128&data=" +
                        urllib.parse.quote("☕"))[0], 422, "code128 cannot hold ☕")
    finally:
        if till:
            till.stop()
        showcase.stop()


def usage_errors(tool, c):
    """The command line: exit 2 with the reason, before anything listens."""
    def till(*args, scenario=None):
        path = None
        if scenario is not None:
            path = os.path.join(tempfile.gettempdir(), "till-bad-%d.json" % os.getpid())
            with open(path, "w") as f:
                f.write(scenario)
            args = args + ("--scenario", path)
        try:
            r = subprocess.run([tool, "till"] + list(args), capture_output=True, text=True,
                               timeout=10)
            return r.returncode, r.stderr
        finally:
            if path:
                os.unlink(path)
    url = ("--url", "http://127.0.0.1:9/webhooks")
    sec = ("--secret", ts.SECRET)
    for args, want in ((sec, "needs --url"), (url, "needs --secret"),
                       (("--url", "ftp://x") + sec, "http://"),
                       (url + ("--secret", "!!!"), "base64"),
                       (url + sec + ("--port", "70000"), "--port"),
                       (url + sec + ("--colour",), "unknown option")):
        code, err = till(*args)
        c.true(code == 2 and want in err, "till %s: exit 2 with %r: %d %r" % (args, want, code, err))
    code, err = till(*(url + sec), scenario='{"steps": [], "till": {"articles": 3}}')
    c.true(code == 2 and "/till/articles" in err, "a bad scenario file names the path: %r" % err)


def replay(tool, middleware_url, scenario, c):
    """`simulate --scenario` replays what the till exported."""
    path = os.path.join(tempfile.gettempdir(), "till-scenario-%d.json" % os.getpid())
    with open(path, "w") as f:
        json.dump(scenario, f)
    try:
        r = subprocess.run([tool, "simulate", "--url", middleware_url.rstrip("/") + "/webhooks",
                            "--secret", ts.SECRET, "--scenario", path],
                           capture_output=True, text=True, timeout=60)
        c.equal(r.returncode, 0, "simulate --scenario replays the exported scenario:\n" +
                r.stdout[-2000:] + r.stderr[-2000:])
    finally:
        os.unlink(path)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tool", required=True)
    args = parser.parse_args()
    signal.alarm(120)  # bounded: the whole test takes a few seconds
    c = ts.Checks()
    try:
        usage_errors(args.tool, c)
        run(args.tool, c)
    except Exception as e:  # a crash is a failure with its reason
        c.failures.append("%s: %s" % (type(e).__name__, e))
        raise
    finally:
        print("%d checks, %d failed" % (c.count, len(c.failures)))
        for f in c.failures:
            print("  - " + f)
    return 0 if not c.failures else 1


if __name__ == "__main__":
    sys.exit(main())
