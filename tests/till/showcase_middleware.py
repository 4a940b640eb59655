#!/usr/bin/env python3
# A small webhook middleware (Python standard library only) whose replies use every object the
# till draws: dialogs with colours and columns, a form with every field type, messages with
# colours and display times, the customer display, barcodes, openUrl, requestScanCode,
# custom action captions, external discounts, locks, footers with code128 and QR codes, an
# external payment with poll messages, and a reply the till must refuse.
# SPDX-License-Identifier: MIT
#
#   showcase_middleware.py --port N --secret BASE64
#
# Listens on 127.0.0.1, prints "listening on http://127.0.0.1:N" and answers
# POST /webhooks/<eventName> with signed replies; SIGTERM stops it.
import argparse
import base64
import hashlib
import hmac
import json
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET = b""


def sign(body: bytes) -> str:
    return base64.b64encode(hmac.new(SECRET, body, hashlib.sha256).digest()).decode()


DIALOG = {
    "dialogTitle": "Pick your extras",
    "required": False,
    "allowMultipleOptions": True,
    "requireConfirmation": True,
    "columns": 3,
    "dialogOptions": [
        {"optionId": 1, "optionName": "Whipped cream", "optionColor": "#f9a825"},
        {"optionId": 2, "optionName": "Chocolate", "optionColor": "#4e342e"},
        {"optionId": 3, "optionName": "Sprinkles", "optionColor": "green"},
        {"optionId": 4, "optionName": "Sold out", "optionColor": "#9e9e9e", "disabled": True},
        {"optionId": 5, "optionName": "Syrup", "articleNumber": "1001"},
    ],
}

FORM = {
    "id": "signup",
    "title": "Loyalty sign-up",
    "enableReset": True,
    "fields": [
        {"id": "intro", "type": "label", "required": False, "label": "Join and save 5% today",
         "separator": "below"},
        {"id": "name", "type": "text", "required": True, "label": "Name", "hint": "first and last",
         "minimumLength": 2, "maximumLength": 40},
        {"id": "email", "type": "email", "required": True, "label": "E-mail"},
        {"id": "age", "type": "number", "required": False, "label": "Age", "decimals": 0,
         "minimumValue": 16, "maximumValue": 120},
        {"id": "postcode", "type": "text", "required": False, "label": "Postcode",
         "regex": "[0-9]{4} ?[A-Z]{2}", "hint": "1234 AB"},
        {"id": "birthday", "type": "date", "required": False, "label": "Birthday"},
        {"id": "call", "type": "time", "required": False, "label": "Best time to call"},
        {"id": "news", "type": "checkbox", "required": False, "label": "Send me the newsletter",
         "value": "true", "separator": "above"},
        {"id": "store", "type": "select", "required": True, "label": "Home store", "columns": 2,
         "options": [
             {"id": "ams", "label": "Amsterdam", "color": "#1565c0", "selected": True},
             {"id": "rtm", "label": "Rotterdam", "color": "#2e7d32"},
             {"id": "utr", "label": "Utrecht", "disabled": True},
             {"id": "ehv", "label": "Eindhoven", "image": "data:image/svg+xml,%3Csvg xmlns="
              "'http://www.w3.org/2000/svg' width='8' height='8'%3E%3Crect width='8' "
              "height='8' fill='orange'/%3E%3C/svg%3E"},
         ]},
        {"id": "topics", "type": "select", "required": False, "label": "Interests",
         "multiple": True, "options": [
             {"id": "wine", "label": "Wine"}, {"id": "food", "label": "Food"},
             {"id": "tours", "label": "Tours"}]},
    ],
}

MESSAGES = [
    {"message": "Stock is low: 3 left", "backgroundColor": "#c62828", "displayTime": 30},
    {"message": "Happy hour from 17:00", "backgroundColor": "green",
     "customerMessage": "Happy hour from 17:00!", "displayTime": 30},
    {"message": "ITEM   QTY\nMUG      1", "monospacedFont": True, "hideTimestamp": True,
     "displayTime": 30},
]

RECEIPT_FOOTER = [
    {"textBefore": "Thank you!", "textBeforeOptions": {"align": "center", "bold": True,
                                                       "doubleHeight": True}},
    {"textBefore": "Your order number", "barcode": {"codeType": "code128", "code": "ORD-4711"},
     "textAfter": "Show this at the counter", "textAfterOptions": {"align": "center",
                                                                 "underline": True}},
    {"textBefore": "Scan for your e-receipt",
     "barcode": {"codeType": "qrcode", "code": "https://receipts.example/r/4711"},
     "printSeparate": True},
]

BILL_FOOTER = {"text": "Pay online", "barcode": {"codeType": "qrcode", "code": "PAY-4711"},
               "textAfter": "or at the till", "textAfterOptions": {"align": "right"}}


def reply_for(event: str, req: dict) -> dict:
    session = req.get("session") or {}
    lines = session.get("lines") or []
    if event == "customAction":
        action = (req.get("customAction") or {}).get("customActionId")
        if action == "extras":
            if "dialog" in req:
                ids = req["dialog"].get("selectedDialogOptionIds") or []
                names = [o["optionName"] for o in DIALOG["dialogOptions"] if o["optionId"] in ids]
                return {"message": [{"message": "Extras: " + ", ".join(names)}]}
            return {"dialog": DIALOG}
        if action == "signup":
            form = req.get("form")
            if form is not None:
                if form.get("cancelled"):
                    return {"message": [{"message": "Sign-up cancelled"}]}
                parts = []
                for f in form.get("fields") or []:
                    text = f.get("id") + "=" + str(f.get("value", ""))
                    if f.get("selected"):
                        text += "[" + "|".join(f["selected"]) + "]"
                    parts.append(text)
                return {"message": [{"message": "Signed up: " + ", ".join(parts)}]}
            return {"form": FORM}
        if action == "messages":
            return {"message": MESSAGES}
        if action == "rename":
            return {"customActionChange": {"customActionId": "rename",
                                           "buttonCaption": "Renamed!"}}
        if action == "web":
            return {"openUrl": {"url": "http://127.0.0.1:1/", "urlTitle": "Order status",
                                "autoOpen": False}}
        if action == "frame":
            return {"openUrl": {"url": "http://127.0.0.1:%d/status" % PORT,
                                "urlTitle": "Kitchen status", "minimumHeight": 200}}
        if action == "badsig":
            return BADLY_SIGNED
        if action == "bad":
            # A line that is not in the session: the till must refuse this reply.
            return {"lineChanges": [{"lineId": "no-such-line", "externalDiscount": {
                "discountId": "d1", "discountDescription": "x", "discountAmount": 1}}]}
        return {}
    if event == "scanCode":
        code = (req.get("scanCode") or {}).get("scannedCode", "")
        if code.startswith("SHOW"):
            return {"scanCode": {"recognized": True},
                    "displayBarcode": {"codeType": "qrcode", "code": code}}
        if code == "HIDE":
            return {"scanCode": {"recognized": True}, "hideBarcode": True}
        if code == "ASK":
            return {"scanCode": {"recognized": True},
                    "requestScanCode": {"required": True, "requestTitle": "Scan the voucher"}}
        return {"scanCode": {"recognized": True, "message": "Scanned " + code,
                             "customerMessage": "Welcome back!"}}
    if event == "addSessionLine":
        line = (req.get("addSessionLine") or {}).get("line") or {}
        if line.get("articleNumber") == 1001:
            return {"lineChanges": [{"lineId": line.get("lineId"), "externalDiscount": {
                "discountId": "mug10", "discountDescription": "Mug week -10%",
                "discountPercentage": 10}}]}
        if line.get("articleNumber") == 1102:
            return {"lockSessionForAdditions": True,
                    "message": [{"message": "Age check done: the sale is locked for additions"}]}
        return {}
    if event == "completeSession":
        return {"receiptFooter": RECEIPT_FOOTER}
    if event == "printBill":
        return {"billFooter": BILL_FOOTER}
    payment = req.get("externalPayment") or {}
    pid = payment.get("externalPaymentId")
    if event == "startExternalPayment":
        PAYMENTS[pid] = 0
        return {"externalPayment": {"externalPaymentId": pid, "started": True,
                                    "message": "Terminal: insert card"}}
    if event == "pollExternalPayment":
        PAYMENTS[pid] = PAYMENTS.get(pid, 0) + 1
        if PAYMENTS[pid] < 3:
            return {"externalPayment": {"externalPaymentId": pid,
                                        "message": "Terminal: enter PIN (%d)" % PAYMENTS[pid]},
                    "polling": {"finished": True}}
        return {"externalPayment": {"externalPaymentId": pid, "confirmed": True,
                                    "externalTransactionReference": "TX-" + str(PAYMENTS[pid]),
                                    "message": "Terminal: approved"},
                "polling": {"finished": True}}
    if event == "requestCancelExternalPayment":
        return {"externalPayment": {"externalPaymentId": pid, "cancelled": True,
                                    "message": "Terminal: cancelled"}}
    if req.get("event", {}).get("eventPolling"):
        return {"polling": {"finished": True}}
    return {}


PAYMENTS = {}
PORT = 0
BADLY_SIGNED = {"message": [{"message": "This reply's signature is wrong"}]}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        # The page an openUrl reply shows in the till's frame.
        data = b"<!DOCTYPE html><title>Status</title><h1 id=status>Order 4711 is ready</h1>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        given = self.headers.get("X-Mplus-Signature", "")
        if not hmac.compare_digest(given, sign(body)):
            out, status = {"error": {"code": "INVALID_SIGNATURE", "message": "bad signature"}}, 400
        else:
            try:
                req = json.loads(body)
            except ValueError:
                req = None
            if not isinstance(req, dict):
                out, status = {"error": {"code": "INVALID_JSON", "message": "not JSON"}}, 400
            elif "error" in req and "original" in req:
                out, status = {}, 200  # the till's error request: acknowledged
            else:
                out, status = reply_for(self.path.rstrip("/").split("/")[-1], req), 200
        data = json.dumps(out).encode()
        signature = sign(data)
        if out.get("message") == BADLY_SIGNED["message"]:
            signature = sign(data + b" ")  # a signature over other bytes: the till refuses it
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Mplus-Signature", signature)
        self.end_headers()
        self.wfile.write(data)


def main():
    global SECRET, PORT
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--secret", required=True)
    args = parser.parse_args()
    SECRET = base64.b64decode(args.secret)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    PORT = server.server_address[1]
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print("listening on http://127.0.0.1:%d" % server.server_address[1], flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
