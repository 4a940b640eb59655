#!/usr/bin/env python3
# A small MplusKASSA middleware in Python's standard library, for the scenario tests: it checks
# each request's X-Mplus-Signature and answers signed (HMAC-SHA256, key: the base64-decoded
# secret). It prints its port on stdout, then serves 127.0.0.1 until it is killed.
# SPDX-License-Identifier: MIT
#
# usage: python_middleware.py SECRET
#
# Behaviour (per session id, in memory):
#   scanCode CARD1      recognized, message "Welcome back, card CARD1", selects relation 7
#   scanCode COUPON10   a dialog "Apply coupon?" (1 Yes / 2 No); Yes: 10% external discount on
#                       the first line
#   scanCode BADLINE    a lineChanges on a line that does not exist (the till refuses it)
#   scanCode FORM       a form asking for an e-mail address; the answer is echoed as a message
#   addSessionLine      article 42 gets a free line "Gift wrap" (lineId gift-<lineId>)
#   customAction        renames the button to "Pressed <numpadValue>"
#   startExternalPayment GIFTCARD: started; two polls, then confirmed with a reference
#   completeSession     a receipt footer with a QR code of the session id and the time
#   backgroundPoll      polling finished, a customer message
#   anything else       {}
import base64
import hashlib
import hmac
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KEY = base64.b64decode(sys.argv[1], validate=True)
POLLS = {}


def sign(body):
    return base64.b64encode(hmac.new(KEY, body, hashlib.sha256).digest()).decode()


def answer(event, request):
    session = request.get("session") or {}
    lines = session.get("lines") or []
    if "error" in request and "original" in request:
        return {}
    if event == "scanCode":
        code = request["scanCode"]["scannedCode"]
        if code == "CARD1":
            return {"scanCode": {"recognized": True, "message": "Welcome back, card CARD1",
                                 "relationNumber": 7}}
        if code == "COUPON10":
            dialog = request.get("dialog")
            if dialog is None:
                return {"dialog": {"dialogTitle": "Apply coupon?", "required": True, "allowMultipleOptions": False,
                                   "dialogOptions": [{"optionId": 1, "optionName": "Yes, 10% off"},
                                                     {"optionId": 2, "optionName": "No"}]}}
            if dialog.get("selectedDialogOptionIds") == [1] and lines:
                return {"scanCode": {"recognized": True},
                        "lineChanges": [{"lineId": lines[0]["lineId"],
                                         "externalDiscount": {"discountId": "C10",
                                                              "discountDescription": "Coupon",
                                                              "discountPercentage": 10}}]}
            return {"scanCode": {"recognized": True}}
        if code == "BADLINE":
            return {"lineChanges": [{"lineId": "no-such-line",
                                     "externalDiscount": {"discountId": "X",
                                                          "discountAmount": 1}}]}
        if code == "FORM":
            form = request.get("form")
            if form is None:
                return {"form": {"id": "mail", "title": "Receipt by e-mail",
                                 "fields": [{"id": "email", "type": "email", "label": "E-mail",
                                             "required": True}]}}
            if form.get("cancelled"):
                return {"message": [{"message": "No e-mail"}]}
            value = form["fields"][0].get("value", "")
            return {"message": [{"message": "Receipt goes to " + value}]}
        return {"scanCode": {"recognized": False}}
    if event == "addSessionLine":
        line = request["addSessionLine"]["line"]
        if line.get("articleNumber") == 42:
            return {"lineAdditions": [{"lineId": "gift-" + line["lineId"], "text": "Gift wrap",
                                       "priceIncl": 0, "quantity": 1}],
                    "message": [{"message": "Gift wrap added", "backgroundColor": "#00AA00"}]}
        return {}
    if event == "customAction":
        action = request["customAction"]
        return {"customActionChange": {"customActionId": action["customActionId"],
                                       "buttonCaption": "Pressed " + str(action.get("numpadValue", ""))}}
    if event in ("startExternalPayment", "pollExternalPayment", "requestCancelExternalPayment"):
        payment = request["externalPayment"]
        pid = payment["externalPaymentId"]
        if event == "startExternalPayment":
            POLLS[pid] = 0
            return {"externalPayment": {"externalPaymentId": pid, "started": True,
                                        "message": "Scan the gift card"}}
        if event == "requestCancelExternalPayment":
            return {"externalPayment": {"externalPaymentId": pid, "cancelled": True},
                    "polling": {"finished": True}}
        POLLS[pid] = POLLS.get(pid, 0) + 1
        if POLLS[pid] < 3:
            return {"externalPayment": {"externalPaymentId": pid},
                    "polling": {"finished": True}}
        return {"externalPayment": {"externalPaymentId": pid, "confirmed": True,
                                    "finalAmount": payment["amount"],
                                    "externalTransactionReference": "GC-" + pid[:8]},
                "polling": {"finished": True}}
    if event == "completeSession":
        # textAfter differs on every call: a value a replay must be told to ignore.
        return {"receiptFooter": [{"textBefore": "Thank you",
                                   "barcode": {"codeType": "qrcode",
                                               "code": session.get("sessionId", "")},
                                   "textAfter": "Printed %.6f" % time.time()}]}
    if event == "backgroundPoll":
        return {"polling": {"finished": True}, "message": [{"customerMessage": "Hello"}]}
    return {}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        signature = self.headers.get("X-Mplus-Signature", "")
        event = self.path.rsplit("/", 1)[-1]
        if not hmac.compare_digest(signature, sign(body)):
            reply, status = {"error": {"code": "INVALID_SIGNATURE",
                                       "message": "bad X-Mplus-Signature"}}, 400
        else:
            reply, status = answer(event, json.loads(body)), 200
        out = json.dumps(reply, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.send_header("X-Mplus-Signature", sign(out))
        self.end_headers()
        self.wfile.write(out)


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
