#!/usr/bin/env python3
# The till in a real browser: headless Chromium, driven by Selenium, plays whole sales against
# the demo middleware and the showcase middleware and checks what the page shows; barcodes
# and QR codes are cut from the page and decoded with zbarimg.
# SPDX-License-Identifier: MIT
#
#   till_browser_test.py --tool mplus-webhooks --demo mplus-demo-middleware
#                        [--screenshots DIR] [--only NAME] [--timeout SECONDS]
#
# Exit 0 when every check held. Every process started is stopped, also on failure or timeout.
import argparse
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import till_support as ts  # noqa: E402

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-extensions",
                  "--disable-dev-shm-usage", "--hide-scrollbars", "--font-render-hinting=none"]


class Timeout(Exception):
    pass


class Page:
    """The till page in the browser, with the waits and reads the tests share."""

    def __init__(self, driver, url, shots, checks):
        self.d = driver
        self.url = url
        self.shots = shots
        self.c = checks

    def viewport(self, width, height):
        self.d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})

    def open(self):
        ts.api(self.url, "POST", "/api/reset", {})
        self.d.get(self.url)
        self.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "#articles button.article"),
                  "the article buttons")
        self.idle()

    def wait(self, cond, what, timeout=20):
        try:
            return WebDriverWait(self.d, timeout, poll_frequency=0.1).until(cond)
        except Exception:
            raise AssertionError("timed out waiting for " + what)

    def idle(self, timeout=60):
        self.wait(lambda d: not d.execute_script("return document.body.classList.contains('busy')"),
                  "the till to finish the step", timeout)

    def css(self, selector):
        return self.d.find_element(By.CSS_SELECTOR, selector)

    def all(self, selector):
        return self.d.find_elements(By.CSS_SELECTOR, selector)

    def text(self, selector):
        return self.css(selector).text

    def click(self, selector):
        self.css(selector).click()
        self.idle()

    def article(self, number):
        self.click('#articles button[data-article="%s"]' % number)

    def custom_action(self, action_id):
        field = self.css("#custom-id")
        field.clear()
        field.send_keys(action_id, Keys.ENTER)
        self.idle()

    def modal_kind(self):
        m = self.css("#modal")
        return None if m.get_attribute("hidden") is not None else m.get_attribute("data-kind")

    def wait_modal(self, kind, timeout=20):
        self.wait(lambda d: self.modal_kind() == kind, "a %s on screen" % kind, timeout)

    def line_texts(self):
        return [r.find_element(By.CSS_SELECTOR, "td").text
                for r in self.all("#lines tbody tr[data-line-id]")]

    def toasts(self):
        return [t.text.split("\n")[0] for t in self.all("#toasts .toast")]

    def exchanges(self):
        return [(li.get_attribute("data-event"), li.get_attribute("data-status"),
                 li.get_attribute("data-signature")) for li in self.all("#exchange-list > li")]

    def shot(self, name):
        if self.shots:
            path = os.path.join(self.shots, name + ".png")
            self.d.save_screenshot(path)

    def decode(self, element, name):
        """The symbols zbarimg reads in a screenshot of `element`."""
        path = os.path.join(tempfile.gettempdir(), "till-code-%d-%s.png" % (os.getpid(), name))
        self.wait(lambda d: d.execute_script(
            "return arguments[0].complete && arguments[0].naturalWidth > 0", element),
            "the %s image to load" % name)
        element.screenshot(path)
        try:
            return ts.zbarimg(path)
        finally:
            os.unlink(path)

    def bg(self, element):
        return element.value_of_css_property("background-color")


# ---- the demo middleware's four flows ------------------------------------------------------------

def test_ticketing(p):
    """Click an article, answer the time-slot dialog, complete: the receipt has a QR per ticket."""
    c = p.c
    p.open()
    p.shot("till-start")
    p.article(235)
    p.wait_modal("dialog")
    c.true("time slot" in p.text("#modal-title"), "the dialog asks for a time slot")
    options = p.all("#modal .dialog-option")
    c.true(len(options) >= 2, "the dialog offers several slots")
    c.equal(p.css("#modal .dialog-options").value_of_css_property("grid-template-columns").count("px"),
            2, "the dialog is drawn in its 2 columns")
    p.shot("till-dialog")
    slot = options[0].text.split(" (")[0]
    options[0].click()
    p.idle()
    p.wait(lambda d: p.modal_kind() is None, "the dialog to close")
    lines = p.line_texts()
    c.equal(len(lines), 1, "one ticket line after choosing the slot")
    c.true(lines and slot in lines[0], "the ticket line names its slot %s: %r" % (slot, lines))
    c.equal(p.text("#total"), "12.50", "the total")
    p.click("#btn-complete")
    p.wait_modal("receipt")
    qr = p.all("#receipt .f-code img.code-qrcode")
    c.equal(len(qr), 1, "one QR code on the receipt per ticket")
    if qr:
        want = qr[0].get_attribute("data-code")
        got = p.decode(qr[0], "ticket")
        c.equal(got, [("QR-Code", want)], "zbarimg reads the ticket's QR code from the page")
    p.shot("till-receipt")
    c.true(all(s == "ok" for _, _, s in p.exchanges()), "every reply's signature is valid")
    p.click("#receipt-close")
    c.equal(p.text("#session-state"), "no sale", "the sale is closed")


def test_cash_machine(p):
    """Pay external with the simulated cash machine: poll messages, then confirmed."""
    c = p.c
    p.open()
    p.article(1001)
    p.d.find_element(By.CSS_SELECTOR, '#external-method option[value="CASH_MACHINE"]').click()
    p.css("#btn-pay-external").click()
    p.wait(lambda d: p.css("#payment-panel").get_attribute("hidden") is None
           and len(p.all("#payment-messages li")) >= 2, "the first poll messages", 40)
    p.shot("till-payment")
    p.wait(lambda d: p.text("#payment-status") == "confirmed", "the cash machine to confirm", 90)
    p.idle()
    msgs = [li.text for li in p.all("#payment-messages li")]
    c.true(len(msgs) >= 2, "the poll messages are listed: %r" % msgs)
    c.true(any("change" in m.lower() or "paid" in m.lower() for m in msgs),
           "a message reports the payment: %r" % msgs)
    events = [e for e, _, _ in p.exchanges()]
    c.true("startExternalPayment" in events and "pollExternalPayment" in events,
           "startExternalPayment and pollExternalPayment were sent")
    p.click("#btn-complete")
    p.wait_modal("receipt")
    c.true("CASH_MACHINE" in p.text("#receipt") or "Cash machine" in p.text("#receipt")
           or "12.95" in p.text("#receipt"), "the receipt lists the payment")
    p.click("#receipt-close")


def test_reservation(p):
    """Book on a reservation: the dialog of open reservations, then the booking is confirmed."""
    c = p.c
    p.open()
    p.article(1101)
    p.d.find_element(By.CSS_SELECTOR, '#external-method option[value="RESERVATION"]').click()
    p.css("#btn-pay-external").click()
    p.wait_modal("dialog", 30)
    names = [o.text for o in p.all("#modal .dialog-option")]
    c.true(any("Nonymous" in n for n in names), "the reservations are offered: %r" % names)
    for o in p.all("#modal .dialog-option"):
        if "Nonymous" in o.text:
            o.click()
            break
    p.idle()
    p.wait(lambda d: p.text("#payment-status") == "confirmed", "the booking to be confirmed", 60)
    c.true("reference" in p.text("#payment-info"), "the booking's reference is shown")
    p.click("#btn-complete")
    p.wait_modal("receipt")
    p.click("#receipt-close")


def test_loyalty_keyboard(p):
    """Scanning without a mouse: type the card and the voucher, then Enter."""
    c = p.c
    p.open()
    p.article(1201)
    # Focus is on nothing in particular: the keys must still reach the scan field.
    p.d.execute_script("document.activeElement && document.activeElement.blur()")
    ActionChains(p.d).send_keys("LOY0001").send_keys(Keys.ENTER).perform()
    p.idle()
    scans = [x for x in p.exchanges() if x[0] == "scanCode"]
    c.equal(len(scans), 1, "typing LOY0001 and Enter sent one scanCode")
    ActionChains(p.d).send_keys("VCH0001").send_keys(Keys.ENTER).perform()
    p.idle()
    p.wait(lambda d: p.all("#lines tr.discount"), "the voucher's discount on the line")
    c.true("VCH0001" in p.text("#lines tr.discount") or "Voucher" in p.text("#lines tr.discount"),
           "the discount line names the voucher: %r" % p.text("#lines tr.discount"))
    c.true(float(p.text("#total")) < 18.50, "the voucher lowers the total: " + p.text("#total"))
    p.shot("till-loyalty")
    p.click("#btn-complete")
    p.wait_modal("receipt")
    p.click("#receipt-close")


# ---- the showcase middleware: every object the till draws ---------------------------------------

def test_form(p):
    """A form with every field type: validation, then the values reach the middleware."""
    c = p.c
    p.open()
    p.click("#btn-start-session")
    p.custom_action("signup")
    p.wait_modal("form")
    types = [f.get_attribute("data-type") for f in p.all("#till-form .form-field")]
    c.equal(sorted(set(types)), sorted({"label", "text", "email", "number", "date", "time",
                                         "checkbox", "select"}), "every field type is drawn")
    c.true(p.css("#form-reset") is not None, "enableReset gives a Reset button")
    disabled = p.all('#till-form [data-option-id="utr"] input[disabled]')
    c.equal(len(disabled), 1, "a disabled option cannot be chosen")
    image = p.all('#till-form [data-option-id="ehv"] img')
    c.true(image and p.d.execute_script("return arguments[0].naturalWidth", image[0]) == 8,
           "an option's image is drawn")
    p.shot("till-form")
    p.css("#form-submit").click()
    c.true(p.all('#till-form .form-field.invalid[data-field-id="name"]'),
           "a required empty field is refused before sending")
    c.equal(p.modal_kind(), "form", "the form stays open")
    p.css("#ff-name").send_keys("Ada Lovelace")
    p.css("#ff-email").send_keys("ada@example.com")
    p.css("#ff-postcode").send_keys("12AB")
    p.css("#form-submit").click()
    c.true(p.all('#till-form .form-field.invalid[data-field-id="postcode"]'),
           "the regex check refuses 12AB")
    p.css("#ff-postcode").clear()
    p.css("#ff-postcode").send_keys("1234 AB")
    p.css("#ff-age").send_keys("36")
    p.css('#till-form [data-option-id="rtm"] input').click()
    p.css('#till-form [data-field-id="topics"] [data-option-id="wine"] input').click()
    p.css('#till-form [data-field-id="topics"] [data-option-id="tours"] input').click()
    p.css("#form-submit").click()
    p.idle()
    p.wait(lambda d: p.modal_kind() is None, "the form to close")
    log = p.text("#message-log")
    for part in ("name=Ada Lovelace", "email=ada@example.com", "age=36", "postcode=1234 AB",
                 "store=rtm[rtm]", "news=true", "topics=wine[wine|tours]"):
        c.true(part in log, "the middleware got %s: %r" % (part, log))
    resends = [x for x in p.exchanges() if x[0] == "customAction"]
    c.equal(len(resends), 2, "the form's values went out as a re-sent customAction")


def test_dialog(p):
    """Colours, columns, a disabled option, several choices and a confirmation."""
    c = p.c
    p.open()
    p.click("#btn-start-session")
    p.custom_action("extras")
    p.wait_modal("dialog")
    grid = p.css("#modal .dialog-options")
    c.equal(grid.value_of_css_property("grid-template-columns").count("px"), 3, "3 columns")
    first = p.css('#modal .dialog-option[data-option-id="1"]')
    c.equal(p.bg(first), "rgba(249, 168, 37, 1)", "option 1 in its colour #f9a825")
    c.equal(p.bg(p.css('#modal .dialog-option[data-option-id="3"]')), "rgba(0, 128, 0, 1)",
            "option 3 in the preset colour green")
    c.true(not p.css('#modal .dialog-option[data-option-id="4"]').is_enabled(),
           "the disabled option cannot be chosen")
    c.true("1001" in p.text('#modal .dialog-option[data-option-id="5"]'),
           "the article reference is shown on its option")
    tags = [t.get_attribute("data-tag") for t in p.all("#modal .tags .chip")]
    c.true("multiple" in tags and "confirmation" in tags, "the dialog's flags are shown: %r" % tags)
    first.click()
    p.css('#modal .dialog-option[data-option-id="3"]').click()
    p.shot("till-dialog-colours")
    c.equal(len(p.exchanges()), 2, "nothing is sent before the confirmation")
    p.click("#dialog-ok")
    p.wait(lambda d: p.modal_kind() is None, "the dialog to close")
    c.true("Extras: Whipped cream, Sprinkles" in p.text("#message-log"),
           "both choices reached the middleware")


def test_messages_and_displays(p):
    """Message pop-ups, the customer display, displayBarcode, requestScanCode, captions, openUrl."""
    c = p.c
    p.open()
    p.click("#btn-start-session")
    p.custom_action("messages")
    p.wait(lambda d: len(p.all("#toasts .toast")) >= 3, "three message pop-ups")
    toasts = p.all("#toasts .toast")
    c.equal(p.bg(toasts[0]), "rgba(198, 40, 40, 1)", "the first message in red (#c62828)")
    c.equal(toasts[0].get_attribute("data-display-time"), "30", "its display time")
    c.true("mono" in toasts[2].get_attribute("class"), "the monospaced message")
    c.true(not toasts[2].find_elements(By.CSS_SELECTOR, ".stamp"), "hideTimestamp hides the time")
    c.equal(p.text("#customer-message"), "Happy hour from 17:00!", "the customer display")
    ActionChains(p.d).send_keys("SHOW-4711").send_keys(Keys.ENTER).perform()
    p.idle()
    img = p.wait(lambda d: p.all("#customer-barcode img"), "the barcode on the customer display")
    p.shot("till-messages")
    c.equal(p.decode(img[0], "display"), [("QR-Code", "SHOW-4711")],
            "zbarimg reads the customer display's QR code")
    p.css("#scan-input").send_keys("HIDE", Keys.ENTER)
    p.idle()
    c.true(p.css("#customer-barcode").get_attribute("hidden") is not None, "hideBarcode hides it")
    p.css("#scan-input").send_keys("ASK", Keys.ENTER)
    p.idle()
    c.equal(p.text("#scan-request"), "Scan the voucher (required)", "requestScanCode is shown")
    p.custom_action("rename")
    c.true(p.all('#custom-actions button[data-custom-action="rename"]'), "a button for the action")
    c.equal(p.text('#custom-actions button[data-custom-action="rename"]'), "Renamed!",
            "customActionChange renames the button")
    p.custom_action("web")
    c.equal(p.text("#open-url-link"), "Order status", "openUrl as a link with its title")
    c.equal(p.css("#open-url-link").get_attribute("href"), "http://127.0.0.1:1/", "the link")
    c.true(not p.css("#open-url-frame").is_displayed(), "autoOpen false: a link, no frame")
    p.custom_action("frame")
    frame = p.css("#open-url-frame")
    c.true(frame.is_displayed() and frame.get_attribute("src").endswith("/status"),
           "openUrl in a frame")
    p.d.switch_to.frame(frame)
    try:
        c.equal(p.wait(lambda d: d.find_elements(By.ID, "status"), "the framed page")[0].text,
                "Order 4711 is ready", "the framed page is shown")
    finally:
        p.d.switch_to.default_content()
    p.custom_action("bad")
    banner = p.css("#pos-error")
    c.true(banner.get_attribute("hidden") is None and "INVALID_LINE_ID" in banner.text,
           "the refused reply shows the till's error code: %r" % banner.text)
    c.true("error request" in [x.get_attribute("textContent")
                               for x in p.all("#exchange-list > li .chip")],
           "the error request is in the side panel")
    p.custom_action("badsig")
    banner = p.css("#pos-error")
    c.true(banner.get_attribute("hidden") is None and "INVALID_SIGNATURE" in banner.text,
           "a wrongly signed reply is refused with INVALID_SIGNATURE: %r" % banner.text)
    c.true("This reply's signature is wrong" not in p.text("#message-log"),
           "the till does not act on it")
    c.true(("customAction", "200", "failed") in p.exchanges(),
           "the side panel marks the signature as failed")
    p.custom_action("rename")
    c.true(p.css("#pos-error").get_attribute("hidden") is not None,
           "the banner goes with the next step that goes well")


def test_receipt_bill_and_payment(p):
    """External discount, lock, bill and receipt footers with code128 and QR, a card payment."""
    c = p.c
    p.open()
    p.article(1001)
    c.true(p.all("#lines tr.discount"), "the external discount is shown under the line")
    c.equal(p.text("#total"), "11.65", "the total with 10% off 12.95 (1.30, in cents)")
    p.article(1102)
    c.equal(p.text("#lock"), "locked for additions", "the lock is shown")
    c.true(not p.css('#articles button[data-article="235"]').is_enabled(),
           "articles cannot be added to a locked sale")
    p.click("#btn-print-bill")
    p.wait_modal("receipt")
    bill_qr = p.css("#bill .f-code img")
    c.equal(p.decode(bill_qr, "bill"), [("QR-Code", "PAY-4711")], "the bill's QR code scans")
    c.true("f-right" in p.css("#bill .f-text:last-child").get_attribute("class"),
           "textAfterOptions align right")
    p.click("#receipt-close")
    p.css('#external-method-other').send_keys("PIN")
    p.css("#btn-pay-external").click()
    p.wait(lambda d: p.text("#payment-status") == "confirmed", "the card payment", 30)
    p.idle()
    msgs = [li.text for li in p.all("#payment-messages li")]
    c.true("Terminal: enter PIN (1)" in msgs and "Terminal: approved" in msgs,
           "every poll message is listed: %r" % msgs)
    p.click("#btn-complete")
    p.wait_modal("receipt")
    codes = p.all("#receipt .f-code img")
    c.equal(len(codes), 2, "a code128 and a QR code on the receipt")
    if len(codes) == 2:
        c.equal(p.decode(codes[0], "c128"), [("CODE-128", "ORD-4711")], "the code128 scans")
        c.equal(p.decode(codes[1], "qr"), [("QR-Code", "https://receipts.example/r/4711")],
                "the QR code scans")
    c.true(p.all("#receipt .r-cut"), "printSeparate draws a cut")
    first = p.css("#receipt .f-text")
    c.true(all(k in first.get_attribute("class") for k in ("f-bold", "f-dh", "f-center")),
           "textBeforeOptions bold, double height, centred")
    p.shot("till-receipt-footers")
    p.click("#receipt-close")


def test_tablet(p):
    """At tablet width everything fits the width; a sale can still be made."""
    c = p.c
    p.viewport(800, 1280)
    try:
        p.open()
        c.true(p.d.execute_script("return document.documentElement.scrollWidth <= innerWidth"),
               "no horizontal scrolling at 800 px")
        p.article(1001)
        c.equal(len(p.line_texts()), 1, "an article is added at tablet width")
        c.true(p.d.execute_script("return document.documentElement.scrollWidth <= innerWidth"),
               "no horizontal scrolling with a line")
        p.shot("till-tablet")
        p.click("#btn-exchanges")
        c.true(p.css("#exchanges").is_displayed(), "the exchanges panel opens as a drawer")
        p.shot("till-tablet-exchanges")
        p.click("#btn-close-exchanges")
        p.click("#btn-cancel-session")
    finally:
        p.viewport(1280, 800)


def test_side_panel(p):
    """The side panel: every exchange with request, reply, status, signature and time."""
    c = p.c
    p.open()
    p.article(1001)
    p.click("#btn-exchanges")
    items = p.all("#exchange-list > li")
    c.equal([i.get_attribute("data-event") for i in items], ["addSessionLine", "startSession"],
            "newest first")
    items[0].find_element(By.CSS_SELECTOR, "summary").click()
    req = items[0].find_element(By.CSS_SELECTOR, "pre.request").text
    rep = items[0].find_element(By.CSS_SELECTOR, "pre.reply").text
    c.true('"addSessionLine"' in req and '"Souvenir mug"' in req, "the request JSON is shown")
    c.true('"lineChanges"' in rep, "the reply JSON is shown")
    c.true("signature ok" in items[0].text and "HTTP 200" in items[0].text,
           "status and signature are shown")
    p.shot("till-exchanges")
    p.click("#btn-exchanges")


DEMO_TESTS = [test_ticketing, test_loyalty_keyboard, test_cash_machine, test_reservation]
SHOWCASE_TESTS = [test_form, test_dialog, test_messages_and_displays,
                  test_receipt_bill_and_payment, test_side_panel, test_tablet]


def make_driver():
    options = webdriver.ChromeOptions()
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="till-chromium-")
    options.add_argument("--user-data-dir=" + profile)
    options.add_argument("--window-size=1280,800")
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    service = Service(shutil.which("chromedriver") or "/usr/bin/chromedriver")
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    return driver, profile


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tool", required=True)
    parser.add_argument("--demo", required=True)
    parser.add_argument("--screenshots")
    parser.add_argument("--only")
    parser.add_argument("--timeout", type=int, default=420)
    args = parser.parse_args()

    def on_alarm(*_):
        raise Timeout("the browser tests took more than %d s" % args.timeout)
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(args.timeout)

    checks = ts.Checks()
    started = []
    driver = profile = None
    data = tempfile.mkdtemp(prefix="till-demo-")
    failed_tests = []
    try:
        demo = ts.start_demo(args.demo, data)
        started.append(demo)
        showcase = ts.start_showcase()
        started.append(showcase)
        till_demo = ts.start_till(args.tool, demo.url)
        started.append(till_demo)
        till_showcase = ts.start_till(args.tool, showcase.url)
        started.append(till_showcase)
        driver, profile = make_driver()
        for tests, till in ((DEMO_TESTS, till_demo), (SHOWCASE_TESTS, till_showcase)):
            page = Page(driver, till.url, args.screenshots, checks)
            page.viewport(1280, 800)
            for test in tests:
                if args.only and args.only not in test.__name__:
                    continue
                before = len(checks.failures)
                t0 = time.time()
                try:
                    test(page)
                except Timeout:
                    raise
                except Exception as e:  # a failed wait or a missing element fails this test only
                    checks.failures.append("%s: %s" % (test.__name__, e))
                    traceback.print_exc()
                ok = len(checks.failures) == before
                if not ok:
                    failed_tests.append(test.__name__)
                    if args.screenshots:
                        page.shot("FAILED-" + test.__name__)
                print("%-32s %s  %.1f s" % (test.__name__, "ok" if ok else "FAILED",
                                            time.time() - t0), flush=True)
    except Timeout as e:
        checks.failures.append(str(e))
    finally:
        signal.alarm(0)
        if driver is not None:
            driver.quit()
        for proc in reversed(started):
            proc.stop()
        if profile:
            shutil.rmtree(profile, ignore_errors=True)
        shutil.rmtree(data, ignore_errors=True)
    print("%d checks, %d failed" % (checks.count, len(checks.failures)))
    for f in checks.failures:
        print("  - " + f)
    return 0 if not checks.failures else 1


if __name__ == "__main__":
    sys.exit(main())
