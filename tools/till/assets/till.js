// The till page: sends the cashier's actions to the local API as scenario steps and draws the
// till's state (lines, dialogs, forms, messages, displays, receipts) and the signed exchanges.
// Plain JavaScript, no libraries: the tool serves everything itself.
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  // Appends the children that are not null, undefined or false (DOM append writes "null").
  const add = (node, ...children) => {
    for (const c of children) {
      if (c === undefined || c === null || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  };
  const el = (tag, attrs, ...children) => {
    const e = document.createElement(tag);
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v === undefined || v === null || v === false) continue;
        if (k === 'class') e.className = v;
        else if (k === 'text') e.textContent = v;
        else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
        else e.setAttribute(k, v === true ? '' : String(v));
      }
    }
    return add(e, ...children);
  };
  const pick = (o, ...keys) => {
    if (!o || typeof o !== 'object') return undefined;
    for (const k of keys) if (o[k] !== undefined && o[k] !== null) return o[k];
    return undefined;
  };
  const list = (v) => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);
  const num = (v) => {
    if (v === undefined || v === null || v === '') return undefined;
    const n = typeof v === 'number' ? v : Number(v);
    return Number.isFinite(n) ? n : undefined;
  };
  // Cents, rounded half away from zero as a till does (12.955 is 12.96, not binary 12.95).
  const money = (v) => {
    const n = num(v);
    if (n === undefined) return '';
    const cents = Math.round(Math.abs(Number((n * 100).toPrecision(12))));
    return (n < 0 && cents !== 0 ? '-' : '') + (cents / 100).toFixed(2);
  };
  const qtyText = (v) => {
    const n = num(v);
    return n === undefined ? '1' : String(n);
  };

  // ---- what the page knows ------------------------------------------------------------------

  const page = {
    config: { articles: [], customActions: [], barcodes: true, url: '' },
    till: {},
    exchanges: [],
    seenMessages: 0,
    seenCustomerMessages: 0,
    busy: false,
    lastReceipt: null,
    lastBill: null,
  };

  // The till state as the engine writes it, read leniently in one place.
  function view(t) {
    t = t || {};
    const session = pick(t, 'session') || {};
    const payment = pick(t, 'payment', 'externalPayment');
    return {
      sessionOpen: Boolean(pick(t, 'sessionOpen', 'open')),
      sessionId: pick(t, 'sessionId') || pick(session, 'sessionId'),
      lines: list(pick(t, 'lines') || pick(session, 'lines')),
      payments: list(pick(t, 'payments') || pick(session, 'payments')),
      total: pick(t, 'total', 'totalInclAmount'),
      openAmount: pick(t, 'openAmount'),
      locked: Boolean(pick(t, 'locked')),
      lockedForAdditions: Boolean(pick(t, 'lockedForAdditions')),
      paymentStarted: Boolean(pick(t, 'paymentStarted')),
      relation: pick(t, 'relation') || pick(session, 'relation'),
      dialog: pick(t, 'dialog', 'openDialog'),
      form: pick(t, 'form', 'openForm'),
      messages: list(pick(t, 'messages')),
      customerMessages: list(pick(t, 'customerMessages')),
      barcode: pick(t, 'barcode', 'displayBarcode'),
      openUrl: pick(t, 'openUrl'),
      requestScanCode: pick(t, 'requestScanCode', 'requestedScan'),
      receiptFooters: list(pick(t, 'receiptFooters')),
      billFooters: list(pick(t, 'billFooters')),
      payment: payment && typeof payment === 'object' ? payment : null,
      customActionCaptions: pick(t, 'customActionCaptions', 'customActions') || {},
      lastError: pick(t, 'lastError'),
    };
  }

  // ---- talking to the tool -------------------------------------------------------------------

  async function api(method, path, body) {
    const init = { method, headers: { Accept: 'application/json' } };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    let data = null;
    try {
      data = await response.json();
    } catch (e) {
      data = null;
    }
    if (!response.ok) {
      const why = data && (data.error || data.message);
      throw new Error(typeof why === 'string' ? why : 'HTTP ' + response.status);
    }
    return data;
  }

  function setBusy(what) {
    page.busy = Boolean(what);
    document.body.classList.toggle('busy', page.busy);
    $('busy').hidden = !page.busy;
    $('busy-what').textContent = what ? ' (' + what + ')' : '';
    for (const b of document.querySelectorAll('main button, .modal button, header button')) {
      if (b.closest('#payment-panel')) continue; // cancelling stays possible while polling
      if (page.busy) {
        b.dataset.wasDisabled = b.disabled ? '1' : '';
        b.disabled = true;
      } else if (b.dataset.wasDisabled !== undefined) {
        b.disabled = b.dataset.wasDisabled === '1';
        delete b.dataset.wasDisabled;
      }
    }
  }

  // Runs one scenario step: the answer holds the till afterwards and the step's exchanges.
  async function step(action, fields) {
    if (page.busy) return null;
    const body = Object.assign({ action }, fields || {});
    setBusy(action);
    let result = null;
    try {
      result = await api('POST', '/api/step', body);
    } catch (e) {
      toast({ message: 'The till could not run ' + action + ': ' + e.message, backgroundColor: '#c62828' });
    }
    setBusy(null);
    if (result) {
      page.stepErrorRequest = list(result.exchanges).find((x) => pick(x, 'kind') === 'errorRequest') || null;
      page.stepProblems = list(result.problems);
      addExchanges(list(result.exchanges));
      applyTill(result.till);
      afterStep(action, result);
    }
    focusScan();
    return result;
  }

  async function loadState() {
    const data = await api('GET', '/api/state');
    page.exchanges = [];
    $('exchange-list').textContent = '';
    addExchanges(list(data && data.exchanges));
    const v = view(data && data.till);
    page.seenMessages = v.messages.length; // already shown before a reload
    page.seenCustomerMessages = v.customerMessages.length;
    applyTill(data && data.till);
  }

  // ---- drawing the till ------------------------------------------------------------------------

  function applyTill(t) {
    page.till = t || {};
    const v = view(page.till);
    renderBadges(v);
    renderLines(v);
    renderTotals(v);
    renderButtons(v);
    renderCustomActions(v);
    renderCustomerDisplay(v);
    renderMessages(v);
    renderPayment(v);
    renderOpenUrl(v);
    renderScanRequest(v);
    renderPosError(v);
    renderModal(v);
  }

  function renderBadges(v) {
    const box = $('session-badges');
    box.textContent = '';
    add(box, el('span', { class: 'chip', id: 'session-state' }, v.sessionOpen ? 'sale open' : 'no sale'));
    if (v.paymentStarted) add(box, el('span', { class: 'chip' }, 'payment screen'));
    const lock = $('lock');
    lock.hidden = !(v.locked || v.lockedForAdditions);
    lock.textContent = v.locked ? 'locked' : 'locked for additions';
    const rel = $('relation');
    const name = v.relation && (pick(v.relation, 'name') || pick(v.relation, 'relationNumber'));
    rel.hidden = !name;
    rel.textContent = name ? 'relation: ' + name : '';
  }

  function discountOf(line) {
    return pick(line, 'externalDiscount') || pick(line, 'discount');
  }

  // What a line's discount takes off, in money.
  function discountValue(line) {
    const d = discountOf(line);
    if (!d) return 0;
    const amount = num(pick(d, 'discountAmount', 'amount'));
    if (amount !== undefined) return amount;
    const pct = num(pick(d, 'discountPercentage', 'percentage')) ?? 0;
    const price = num(pick(line, 'priceIncl', 'price')) ?? 0;
    const qty = num(pick(d, 'applyToQuantity')) ?? num(pick(line, 'quantity')) ?? 1;
    return Math.round(Number((price * qty * pct).toPrecision(12))) / 100;
  }

  function renderLines(v) {
    const body = $('lines').tBodies[0];
    body.textContent = '';
    v.lines.forEach((line, index) => {
      const price = num(pick(line, 'priceIncl', 'price'));
      const qty = num(pick(line, 'quantity')) ?? 1;
      const id = pick(line, 'lineId') || String(index);
      const tr = el('tr', { 'data-line-id': id, class: pick(line, 'fromReply', 'addedByReply') ? 'from-reply' : null },
        el('td', null, pick(line, 'text') || '#' + (pick(line, 'articleNumber') ?? '')),
        el('td', { class: 'num' }, qtyText(qty)),
        el('td', { class: 'num' }, money(price)),
        el('td', { class: 'num' }, price === undefined ? '' : money(price * qty)),
        el('td', { class: 'num' }, el('button', {
          type: 'button', title: 'remove this line', 'aria-label': 'remove line', class: 'remove',
          disabled: v.locked || undefined,
          onclick: () => step('removeLine', { line: pick(line, 'lineId') ?? index }),
        }, '×')));
      add(body, tr);
      const d = discountOf(line);
      if (d) {
        const pct = num(pick(d, 'discountPercentage', 'percentage'));
        add(body, el('tr', { class: 'discount' },
          el('td', { colspan: 3 }, '  ↳ ' + (pick(d, 'discountDescription', 'description') || 'discount') + (pct !== undefined ? ' (' + pct + '%)' : '')),
          el('td', { class: 'num' }, '−' + money(discountValue(line))),
          el('td')));
      }
    });
    $('no-lines').hidden = v.lines.length > 0;
    // A completed or cancelled sale stays on screen, greyed, until the next one starts.
    $('lines').classList.toggle('closed', !v.sessionOpen && v.lines.length > 0);
  }

  function computedTotal(v) {
    let sum = 0;
    for (const line of v.lines) {
      const price = num(pick(line, 'priceIncl', 'price')) ?? 0;
      const qty = num(pick(line, 'quantity')) ?? 1;
      sum += price * qty - discountValue(line);
    }
    return sum;
  }

  function renderTotals(v) {
    const total = v.total !== undefined ? num(v.total) : computedTotal(v);
    $('total').textContent = money(total);
    const open = v.openAmount !== undefined ? num(v.openAmount) : total;
    $('open-amount').textContent = money(open);
    const paid = v.payments.map((p) => (pick(p, 'description', 'method') || 'payment') + ' ' + money(pick(p, 'amount')));
    $('paid-row').hidden = paid.length === 0;
    $('paid').textContent = paid.join(', ');
  }

  function renderButtons(v) {
    if (page.busy) return;
    const open = v.sessionOpen;
    const hasLines = v.lines.length > 0;
    $('btn-start-payment').disabled = !open || v.paymentStarted;
    $('btn-cancel-payment').disabled = !open || !v.paymentStarted;
    $('btn-complete').disabled = !open;
    $('btn-print-bill').disabled = !open || !hasLines;
    $('btn-pay-external').disabled = !open;
    $('btn-park').disabled = !open;
    $('btn-resume').disabled = !open;
    $('btn-cancel-session').disabled = !open;
    $('btn-start-session').disabled = open;
    for (const b of document.querySelectorAll('#articles button')) b.disabled = v.locked || v.lockedForAdditions;
  }

  function renderArticles() {
    const box = $('articles');
    box.textContent = '';
    for (const a of page.config.articles) {
      const number = pick(a, 'articleNumber');
      add(box, el('button', {
        type: 'button', class: 'article', 'data-article': number,
        onclick: () => step('addLine', articleStep(a)),
      }, el('span', null, pick(a, 'text') || '#' + number), el('span', { class: 'price' }, money(pick(a, 'priceIncl')))));
    }
  }

  function articleStep(a) {
    const s = {};
    for (const k of ['articleNumber', 'text', 'priceIncl']) if (a[k] !== undefined) s[k] = a[k];
    s.quantity = 1;
    return s;
  }

  function renderCustomActions(v) {
    const box = $('custom-actions');
    box.textContent = '';
    const captions = Object.assign({}, v.customActionCaptions);
    const ids = [];
    for (const c of page.config.customActions) {
      const id = typeof c === 'string' ? c : pick(c, 'customActionId', 'id');
      if (id === undefined) continue;
      ids.push(String(id));
      if (captions[id] === undefined && typeof c === 'object') captions[id] = pick(c, 'buttonCaption', 'caption');
    }
    for (const id of Object.keys(captions)) if (!ids.includes(id)) ids.push(id);
    for (const id of ids) {
      const caption = captions[id] || id;
      add(box, el('button', {
        type: 'button', class: 'custom-action', 'data-custom-action': id,
        onclick: () => step('customAction', { customActionId: id, buttonCaption: caption }),
      }, caption));
    }
    if (ids.length === 0) add(box, el('span', { class: 'muted wide' }, 'None configured: run one by its id below.'));
  }

  function messageText(m) {
    return typeof m === 'string' ? m : pick(m, 'message') || '';
  }

  function renderMessages(v) {
    const fresh = v.messages.slice(Math.min(page.seenMessages, v.messages.length));
    if (v.messages.length < page.seenMessages) page.seenMessages = 0; // after a reset
    for (const m of fresh) if (messageText(m)) toast(typeof m === 'string' ? { message: m } : m);
    page.seenMessages = v.messages.length;
    const log = $('message-log');
    log.textContent = '';
    for (const m of v.messages.slice(-30)) if (messageText(m)) add(log, el('li', null, messageText(m)));
  }

  function renderCustomerDisplay(v) {
    const msgs = v.customerMessages.map((m) => (typeof m === 'string' ? m : pick(m, 'customerMessage', 'message') || ''));
    const last = msgs.length ? msgs[msgs.length - 1] : '';
    $('customer-message').textContent = last || (v.sessionOpen ? '' : 'Welcome');
    $('customer-total').textContent = v.sessionOpen && v.lines.length ? 'Total ' + money(v.total !== undefined ? v.total : computedTotal(v)) : '';
    const fig = $('customer-barcode');
    const code = v.barcode && pick(v.barcode, 'code');
    fig.hidden = !code;
    if (code) {
      const type = String(pick(v.barcode, 'codeType') || 'barcode');
      const symbology = type === 'qrcode' ? 'qrcode' : 'code128';
      const box = fig.querySelector('.code');
      const shown = box.firstElementChild;
      // Redrawn only when the code changes: the image is not fetched again at every step.
      if (!shown || shown.dataset.code !== code || !shown.classList.contains('code-' + symbology)) {
        box.textContent = '';
        add(box, codeImage(symbology, code));
      }
      fig.querySelector('figcaption').textContent = code + ' (' + type + ')';
    }
  }

  function codeImage(symbology, code) {
    if (!page.config.barcodes) return el('span', { class: 'code-text' }, '[' + symbology + '] ' + code);
    return el('img', {
      class: 'code-' + symbology, alt: symbology + ' ' + code, 'data-code': code,
      src: '/barcode.svg?type=' + symbology + '&data=' + encodeURIComponent(code),
    });
  }

  const finishedStates = ['confirmed', 'cancelled', 'abandoned', 'failed'];

  function renderPayment(v) {
    const p = v.payment;
    const status = p && String(pick(p, 'status') || '');
    const panel = $('payment-panel');
    panel.hidden = !p || !status || status === 'none';
    if (panel.hidden) return;
    $('payment-status').textContent = status;
    $('payment-status').className = 'chip status-' + status;
    const info = [pick(p, 'method'), money(pick(p, 'amount')), pick(p, 'externalPaymentId')].filter(Boolean);
    const polls = pick(p, 'polls');
    if (polls !== undefined) info.push(polls + ' poll' + (polls === 1 ? '' : 's'));
    const ref = pick(p, 'externalTransactionReference');
    if (ref) info.push('reference ' + ref);
    $('payment-info').textContent = info.join(' · ');
    const ol = $('payment-messages');
    ol.textContent = '';
    for (const m of list(pick(p, 'messages'))) {
      const text = messageText(m) || pick(m, 'customerMessage');
      if (text) add(ol, el('li', null, text));
    }
    const running = !finishedStates.includes(status);
    $('btn-poll').disabled = !running || payment.following;
    $('btn-request-cancel').disabled = !running || payment.cancelAsked;
    if (!running) payment.lastAnswer = 0;
    updateForceCancel();
  }

  // The till allows a forced cancel only after 30 s without an answer.
  function updateForceCancel() {
    const b = $('btn-force-cancel');
    if (!payment.lastAnswer) {
      b.disabled = true;
      b.textContent = 'Cancel (after 30 s)';
      return;
    }
    const left = Math.ceil(30 - (Date.now() - payment.lastAnswer) / 1000);
    b.disabled = left > 0 || payment.forceAsked;
    b.textContent = left > 0 ? 'Cancel (in ' + left + ' s)' : 'Cancel payment';
  }
  setInterval(updateForceCancel, 1000);

  // An external payment runs as the till runs it: start, then polls one after the other, each
  // a long poll the middleware answers when it has news; the cashier may ask to cancel at any
  // time, and force a cancel after 30 s without an answer. Both are sent between two polls.
  const payment = { following: false, cancelAsked: false, forceAsked: false, lastAnswer: 0 };

  function paymentStatus() {
    const p = view(page.till).payment;
    return p ? String(pick(p, 'status') || '') : '';
  }

  async function followPayment() {
    if (payment.following) return;
    payment.following = true;
    renderPayment(view(page.till));
    try {
      for (let i = 0; i < 500 && paymentStatus() === 'started'; i++) {
        let action = 'pollExternalPayment';
        if (payment.forceAsked) action = 'cancelExternalPayment';
        else if (payment.cancelAsked) action = 'requestCancelExternalPayment';
        const result = await step(action);
        if (action === 'cancelExternalPayment') payment.forceAsked = false;
        if (action === 'requestCancelExternalPayment') payment.cancelAsked = false;
        if (!result) break;
        const answered = list(result.exchanges).some((x) => num(pick(x, 'status')));
        if (answered) payment.lastAnswer = Date.now();
        else if (action === 'pollExternalPayment') break; // no answer: the cashier decides
      }
    } finally {
      payment.following = false;
      renderPayment(view(page.till));
    }
  }

  function renderOpenUrl(v) {
    const box = $('open-url');
    const url = v.openUrl && pick(v.openUrl, 'url');
    const safe = typeof url === 'string' && /^https?:\/\//i.test(url);
    box.hidden = !safe;
    if (!safe) return;
    const link = $('open-url-link');
    link.href = url;
    link.textContent = pick(v.openUrl, 'urlTitle') || url;
    const frame = $('open-url-frame');
    if (pick(v.openUrl, 'autoOpen') === false) {
      frame.hidden = true; // shown as a link only
    } else {
      frame.hidden = false;
      if (frame.getAttribute('src') !== url) frame.setAttribute('src', url);
      const w = num(pick(v.openUrl, 'minimumWidth'));
      const h = num(pick(v.openUrl, 'minimumHeight'));
      frame.style.minWidth = w ? Math.min(w, 1200) + 'px' : '';
      frame.style.minHeight = h ? Math.min(h, 900) + 'px' : '';
    }
  }

  function renderScanRequest(v) {
    const r = v.requestScanCode;
    const box = $('scan-request');
    box.hidden = !r;
    $('scan-form').classList.toggle('requested', Boolean(r));
    if (r) {
      box.textContent = (pick(r, 'requestTitle') || 'Scan a code') + (pick(r, 'required') ? ' (required)' : '');
    }
  }

  // The banner shows when the last step made the till refuse a reply: its error request.
  // Besides, what else the till found wrong in the last step (a bad signature, no answer).
  function renderPosError(v) {
    const banner = $('pos-error');
    const sent = page.stepErrorRequest;
    const problems = page.stepProblems || [];
    banner.hidden = !sent && problems.length === 0;
    if (banner.hidden) return;
    const lines = [];
    if (sent) {
      const e = pick(pick(sent, 'request'), 'error') || v.lastError || {};
      const code = pick(e, 'code') || '';
      const message = pick(e, 'message') || '';
      lines.push('The till refused the reply to ' + (pick(sent, 'event') || 'the event') + ' and sent its error request: ' + code + (message ? ' — ' + message : ''));
    }
    for (const p of problems) if (!sent || !String(p).includes(pick(pick(pick(sent, 'request'), 'error'), 'code') || '\u0000')) lines.push(String(p));
    banner.textContent = lines.join('\n');
  }

  // ---- pop-ups: messages -------------------------------------------------------------------------

  function contrastInk(color) {
    const m = /^#?([0-9a-f]{6})$/i.exec(color || '');
    if (!m) return null;
    const n = parseInt(m[1], 16);
    const lum = (0.299 * ((n >> 16) & 255) + 0.587 * ((n >> 8) & 255) + 0.114 * (n & 255)) / 255;
    return lum > 0.6 ? '#1d2733' : '#ffffff';
  }

  function colorValue(c) {
    if (typeof c !== 'string') return null;
    if (/^#[0-9a-f]{3,8}$/i.test(c)) return c;
    if (/^[0-9a-f]{6}$/i.test(c)) return '#' + c;
    if (/^[a-z]{3,20}$/i.test(c)) return c.toLowerCase();
    return null;
  }

  function paint(node, color) {
    const c = colorValue(color);
    if (!c) return;
    node.style.background = c;
    node.style.borderColor = c;
    const ink = contrastInk(c) || (['white', 'yellow', 'lightgreen', 'lightblue', 'orange', 'pink', 'lightgray', 'lightgrey'].includes(c) ? '#1d2733' : '#fff');
    node.style.color = ink;
  }

  function toast(m) {
    const box = $('toasts');
    if (pick(m, 'clearScreen')) box.textContent = '';
    const text = messageText(m);
    const node = el('div', { class: 'toast' + (pick(m, 'monospacedFont') ? ' mono' : ''), role: 'status' }, text);
    paint(node, pick(m, 'backgroundColor'));
    if (!pick(m, 'hideTimestamp')) node.append(el('span', { class: 'stamp' }, new Date().toLocaleTimeString()));
    const seconds = num(pick(m, 'messageDisplayTime', 'displayTime'));
    node.dataset.displayTime = seconds !== undefined ? String(seconds) : '';
    node.addEventListener('click', () => node.remove());
    add(box, node);
    // displayTime is a minimum: the message stays at least that long; 6 s without one.
    setTimeout(() => node.remove(), Math.max(1, seconds ?? 6) * 1000);
    while (box.children.length > 6) box.firstChild.remove();
  }

  // ---- pop-ups: dialog, form, receipt --------------------------------------------------------------

  let modalKind = null; // 'dialog', 'form' or 'receipt'
  let modalKey = '';

  function closeModal() {
    $('modal').hidden = true;
    modalKind = null;
    modalKey = '';
  }

  function openModal(kind, key, title) {
    modalKind = kind;
    modalKey = key;
    $('modal-title').textContent = title;
    $('modal-body').textContent = '';
    $('modal-actions').textContent = '';
    $('modal').hidden = false;
    $('modal').dataset.kind = kind;
  }

  function renderModal(v) {
    if (v.dialog) {
      const key = 'dialog:' + JSON.stringify(v.dialog);
      if (modalKey !== key) showDialog(v.dialog, key);
    } else if (v.form) {
      const key = 'form:' + JSON.stringify(v.form);
      if (modalKey !== key) showForm(v.form, key);
    } else if (modalKind === 'dialog' || modalKind === 'form') {
      closeModal();
    }
  }

  function optionRef(o) {
    const refs = [];
    for (const [k, label] of [['articleNumber', 'article'], ['barcode', 'barcode'], ['pluNumber', 'PLU'], ['supplierArticleNumber', 'supplier'], ['extArticleId', 'ext']]) {
      if (o[k] !== undefined && o[k] !== null) refs.push(label + ' ' + o[k]);
    }
    return refs.join(' · ');
  }

  function showDialog(d, key) {
    openModal('dialog', key, pick(d, 'dialogTitle') || 'Choose');
    const required = Boolean(pick(d, 'required'));
    const multiple = Boolean(pick(d, 'allowMultipleOptions'));
    const confirm = Boolean(pick(d, 'requireConfirmation'));
    const columns = Math.max(1, Math.min(8, num(pick(d, 'columns')) || 2));
    const tags = el('div', { class: 'tags' });
    if (required) add(tags, el('span', { class: 'chip', 'data-tag': 'required' }, 'required'));
    if (multiple) add(tags, el('span', { class: 'chip', 'data-tag': 'multiple' }, 'choose one or more'));
    if (confirm) add(tags, el('span', { class: 'chip', 'data-tag': 'confirmation' }, 'asks for confirmation'));
    add(tags, el('span', { class: 'chip', 'data-tag': 'columns' }, columns + ' column' + (columns === 1 ? '' : 's')));
    const selected = new Set();
    const grid = el('div', { class: 'dialog-options' });
    grid.style.gridTemplateColumns = 'repeat(' + columns + ', minmax(0, 1fr))';
    const confirmButton = el('button', { type: 'button', class: 'primary', id: 'dialog-ok', disabled: true }, confirm ? 'Confirm' : 'OK');
    const send = () => step('choose', { option: Array.from(selected) });
    list(pick(d, 'dialogOptions')).forEach((o, i) => {
      const id = pick(o, 'optionId');
      const b = el('button', {
        type: 'button', class: 'dialog-option', 'data-option-id': id, 'data-color': pick(o, 'optionColor'),
        disabled: pick(o, 'disabled') ? true : undefined,
        title: i < 9 ? 'key ' + (i + 1) : null,
      }, pick(o, 'optionName') || String(id), optionRef(o) ? el('span', { class: 'ref' }, optionRef(o)) : null);
      paint(b, pick(o, 'optionColor'));
      b.addEventListener('click', () => {
        if (multiple) {
          if (selected.has(id)) selected.delete(id);
          else selected.add(id);
          b.classList.toggle('selected', selected.has(id));
          confirmButton.disabled = selected.size === 0;
        } else if (confirm) {
          selected.clear();
          selected.add(id);
          for (const other of grid.children) other.classList.toggle('selected', other === b);
          confirmButton.disabled = false;
        } else {
          selected.clear();
          selected.add(id);
          send();
        }
      });
      add(grid, b);
    });
    add($('modal-body'), tags, grid);
    const actions = $('modal-actions');
    if (multiple || confirm) {
      confirmButton.addEventListener('click', send);
      add(actions, confirmButton);
    }
    if (!required) {
      add(actions, el('button', { type: 'button', id: 'dialog-close', onclick: () => step('choose', { option: [] }) }, 'Close without choosing'));
    }
  }

  function fieldType(f) {
    return String(pick(f, 'type') || 'text').toLowerCase();
  }

  function showForm(form, key) {
    openModal('form', key, pick(form, 'title') || 'Form');
    const fields = list(pick(form, 'fields'));
    const box = el('form', { class: 'form-fields', id: 'till-form', novalidate: true, autocomplete: 'off' });
    const readers = [];
    for (const f of fields) {
      const id = String(pick(f, 'id') ?? '');
      const type = fieldType(f);
      const required = Boolean(pick(f, 'required'));
      const sep = String(pick(f, 'separator') || 'none');
      const wrap = el('div', { class: 'form-field' + (sep === 'above' ? ' sep-above' : sep === 'below' ? ' sep-below' : ''), 'data-field-id': id, 'data-type': type });
      const caption = el('label', { class: 'caption', for: 'ff-' + id }, pick(f, 'label') || id, required ? el('span', { class: 'req' }, ' *') : null);
      const hint = pick(f, 'hint');
      const error = el('div', { class: 'form-error' });
      const defaultValue = pick(f, 'value');
      if (type === 'label') {
        add(wrap, el('div', { class: 'caption' }, pick(f, 'label') || ''), defaultValue ? el('div', null, defaultValue) : null);
        add(box, wrap);
        continue;
      }
      if (type === 'select') {
        const multiple = Boolean(pick(f, 'multiple'));
        const choices = el('div', { class: 'choices', role: multiple ? 'group' : 'radiogroup', id: 'ff-' + id });
        const cols = Math.max(1, Math.min(6, num(pick(f, 'columns')) || 1));
        choices.style.gridTemplateColumns = 'repeat(' + cols + ', minmax(0, 1fr))';
        for (const o of list(pick(f, 'options'))) {
          const oid = String(pick(o, 'id') ?? '');
          const input = el('input', { type: multiple ? 'checkbox' : 'radio', name: 'ff-' + id, value: oid, disabled: pick(o, 'disabled') ? true : undefined });
          input.checked = Boolean(pick(o, 'selected')) || (!multiple && defaultValue !== undefined && String(defaultValue) === oid);
          input.dataset.default = input.checked ? '1' : '';
          const label = el('label', { class: pick(o, 'disabled') ? 'disabled' : null, 'data-option-id': oid, 'data-color': pick(o, 'color') }, input,
            pick(o, 'image') ? el('img', { src: pick(o, 'image'), alt: '' }) : null, el('span', null, pick(o, 'label') || oid),
            optionRef(o) ? el('span', { class: 'ref muted' }, ' ' + optionRef(o)) : null);
          paint(label, pick(o, 'color'));
          add(choices, label);
        }
        add(wrap, caption, choices, hint ? el('div', { class: 'field-hint' }, hint) : null, error);
        readers.push(() => {
          const chosen = Array.from(choices.querySelectorAll('input:checked')).map((i) => i.value);
          if (required && chosen.length === 0) return { id, error: 'choose an option', wrap, errorNode: error };
          return { id, value: chosen, wrap, errorNode: error };
        });
        add(box, wrap);
        continue;
      }
      if (type === 'checkbox') {
        const input = el('input', { type: 'checkbox', id: 'ff-' + id });
        input.checked = ['true', '1', 'yes'].includes(String(defaultValue || '').toLowerCase());
        input.dataset.default = input.checked ? '1' : '';
        add(wrap, el('label', { class: 'check caption' }, input, ' ', pick(f, 'label') || id, required ? el('span', { class: 'req' }, ' *') : null),
          hint ? el('div', { class: 'field-hint' }, hint) : null, error);
        readers.push(() => {
          if (required && !input.checked) return { id, error: 'must be ticked', wrap, errorNode: error };
          return { id, value: input.checked ? 'true' : 'false', wrap, errorNode: error };
        });
        add(box, wrap);
        continue;
      }
      const htmlType = ['email', 'number', 'date', 'time'].includes(type) ? type : 'text';
      const decimals = num(pick(f, 'decimals'));
      const input = el('input', {
        id: 'ff-' + id, type: htmlType, name: id,
        maxlength: num(pick(f, 'maximumLength')), minlength: num(pick(f, 'minimumLength')),
        min: num(pick(f, 'minimumValue', 'miminumValue')), max: num(pick(f, 'maximumValue')),
        step: htmlType === 'number' ? (decimals !== undefined ? Math.pow(10, -decimals) : 'any') : null,
      });
      input.value = defaultValue !== undefined ? String(defaultValue) : '';
      input.dataset.default = input.value;
      add(wrap, caption, input, hint ? el('div', { class: 'field-hint' }, hint) : null,
        type !== htmlType ? el('div', { class: 'field-hint' }, 'field type ' + type + ' (shown as text)') : null, error);
      readers.push(() => {
        const value = input.value;
        const problem = checkValue(f, htmlType, value, required);
        return problem ? { id, error: problem, wrap, errorNode: error } : { id, value, wrap, errorNode: error };
      });
      add(box, wrap);
    }
    box.addEventListener('submit', (e) => {
      e.preventDefault();
      submit();
    });
    // An invisible submit button lets Enter in any field submit the form.
    add(box, el('button', { type: 'submit', hidden: true }));
    add($('modal-body'), box);
    const submit = () => {
      const values = {};
      let ok = true;
      for (const read of readers) {
        const r = read();
        r.wrap.classList.toggle('invalid', Boolean(r.error));
        r.errorNode.textContent = r.error || '';
        if (r.error) ok = false;
        else values[r.id] = r.value;
      }
      if (!ok) return;
      step('fillForm', { values });
    };
    const actions = $('modal-actions');
    add(actions, el('button', { type: 'button', class: 'primary', id: 'form-submit', onclick: submit }, 'OK'));
    if (pick(form, 'enableReset')) {
      add(actions, el('button', {
        type: 'button', id: 'form-reset',
        onclick: () => {
          for (const i of box.querySelectorAll('input')) {
            if (i.type === 'checkbox' || i.type === 'radio') i.checked = i.dataset.default === '1';
            else i.value = i.dataset.default || '';
          }
        },
      }, 'Reset'));
    }
    add(actions, el('button', { type: 'button', id: 'form-cancel', onclick: () => step('fillForm', { cancel: true }) }, 'Cancel'));
    const first = box.querySelector('input:not([disabled])');
    if (first) setTimeout(() => first.focus(), 0);
  }

  function checkValue(f, htmlType, value, required) {
    if (value === '') return required ? 'required' : null;
    const min = num(pick(f, 'minimumLength'));
    const max = num(pick(f, 'maximumLength'));
    if (min !== undefined && value.length < min) return 'at least ' + min + ' characters';
    if (max !== undefined && value.length > max) return 'at most ' + max + ' characters';
    const regex = pick(f, 'regex');
    if (typeof regex === 'string' && regex) {
      try {
        if (!new RegExp('^(?:' + regex + ')$').test(value)) return 'does not match ' + regex;
      } catch (e) {
        // A pattern JavaScript cannot read is left to the middleware.
      }
    }
    if (htmlType === 'email' && !/^[^\s@]+@[^\s@]+$/.test(value)) return 'not an e-mail address';
    if (htmlType === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n)) return 'not a number';
      const lo = num(pick(f, 'minimumValue', 'miminumValue'));
      const hi = num(pick(f, 'maximumValue'));
      if (lo !== undefined && n < lo) return 'at least ' + lo;
      if (hi !== undefined && n > hi) return 'at most ' + hi;
      const decimals = num(pick(f, 'decimals'));
      const dot = value.indexOf('.');
      if (decimals !== undefined && dot >= 0 && value.length - dot - 1 > decimals) return 'at most ' + decimals + ' decimals';
    }
    return null;
  }

  // A receipt or a bill as the printer would print it, with its footers.
  function showPrintout(kind, data) {
    openModal('receipt', kind + ':' + Date.now(), kind === 'bill' ? 'Bill preview' : 'Receipt');
    const r = el('div', { class: 'receipt', id: kind === 'bill' ? 'bill' : 'receipt' });
    add(r, el('div', { class: 'f-center f-bold' }, kind === 'bill' ? 'BILL' : 'RECEIPT'));
    add(r, el('div', { class: 'r-sep' }));
    for (const line of data.lines) {
      const price = num(pick(line, 'priceIncl', 'price')) ?? 0;
      const qty = num(pick(line, 'quantity')) ?? 1;
      add(r, el('div', { class: 'r-line' }, el('span', null, qtyText(qty) + ' ' + (pick(line, 'text') || '#' + pick(line, 'articleNumber'))), el('span', null, money(price * qty))));
      const d = discountOf(line);
      if (d) add(r, el('div', { class: 'r-line' }, el('span', null, '  ' + (pick(d, 'discountDescription') || 'discount')), el('span', null, '-' + money(discountValue(line)))));
    }
    add(r, el('div', { class: 'r-sep' }));
    add(r, el('div', { class: 'r-line f-bold' }, el('span', null, 'TOTAL'), el('span', null, money(data.total))));
    for (const p of data.payments) add(r, el('div', { class: 'r-line' }, el('span', null, pick(p, 'description', 'method') || 'paid'), el('span', null, money(pick(p, 'amount')))));
    for (const f of data.footers) add(r, ...footerNodes(f));
    add($('modal-body'), r);
    add($('modal-actions'), el('button', { type: 'button', class: 'primary', id: 'receipt-close', onclick: closeModal }, 'Close'));
  }

  function textNode(text, options) {
    const cls = ['f-text'];
    if (options) {
      if (pick(options, 'bold')) cls.push('f-bold');
      if (pick(options, 'underline')) cls.push('f-underline');
      if (pick(options, 'doubleHeight')) cls.push('f-dh');
      if (pick(options, 'doubleWidth')) cls.push('f-dw');
      const align = pick(options, 'align');
      if (align === 'center') cls.push('f-center');
      if (align === 'right') cls.push('f-right');
    }
    return el('div', { class: cls.join(' ') }, text);
  }

  function footerNodes(f) {
    const out = [];
    out.push(pick(f, 'printSeparate') ? el('div', { class: 'r-cut' }) : el('div', { class: 'r-sep' }));
    const before = pick(f, 'textBefore', 'text');
    if (before) out.push(textNode(before, pick(f, 'textBeforeOptions')));
    const b = pick(f, 'barcode');
    const code = b && pick(b, 'code');
    if (code) {
      const type = String(pick(b, 'codeType') || 'code128');
      out.push(el('div', { class: 'f-code', 'data-code-type': type }, codeImage(type === 'qrcode' ? 'qrcode' : 'code128', code), el('div', { class: 'code-text' }, code)));
    }
    const after = pick(f, 'textAfter');
    if (after) out.push(textNode(after, pick(f, 'textAfterOptions')));
    return out;
  }

  function printoutData(v, footers) {
    return { lines: v.lines, total: v.total !== undefined ? v.total : computedTotal(v), payments: v.payments, footers };
  }

  function afterStep(action, result) {
    const v = view(result.till);
    if (paymentStatus() === 'started' && !payment.following) {
      payment.lastAnswer = Date.now();
      setTimeout(followPayment, 0);
    }
    if (action === 'complete' && !v.sessionOpen) {
      page.lastReceipt = printoutData(view(result.till), v.receiptFooters);
      $('btn-show-receipt').disabled = false;
      if (!v.dialog && !v.form) showPrintout('receipt', page.lastReceipt);
    } else if (action === 'printBill' && !v.dialog && !v.form) {
      page.lastBill = printoutData(v, v.billFooters);
      $('btn-show-bill').disabled = false;
      showPrintout('bill', page.lastBill);
    }
  }

  // ---- the side panel of signed exchanges ----------------------------------------------------------

  function pretty(text) {
    if (text === undefined || text === null) return '';
    if (typeof text !== 'string') return JSON.stringify(text, null, 2);
    try {
      return JSON.stringify(JSON.parse(text), null, 2);
    } catch (e) {
      return text;
    }
  }

  function words(kind) {
    return String(kind).replace(/([A-Z])/g, ' $1').replace(/_/g, ' ').toLowerCase();
  }

  function addExchanges(items) {
    const ol = $('exchange-list');
    for (const x of items) {
      page.exchanges.push(x);
      const event = pick(x, 'event') || '';
      const kind = pick(x, 'kind');
      const status = pick(x, 'status');
      const answered = status !== undefined && status !== 0;
      const sig = answered ? Boolean(pick(x, 'signatureOk')) : undefined;
      const sigText = sig === true ? 'signature ok' : sig === false ? 'signature FAILED' : 'no reply';
      const time = pick(x, 'time');
      const ms = num(pick(x, 'millis'));
      const reply = answered ? pick(x, 'reply') : pick(x, 'transportError');
      const item = el('li', { 'data-event': event, 'data-kind': kind, 'data-status': answered ? status : '', 'data-signature': sig === true ? 'ok' : sig === false ? 'failed' : 'none' },
        el('details', null,
          el('summary', null,
            el('span', { class: 'event' }, event),
            kind && kind !== 'event' ? el('span', { class: 'chip' }, words(kind)) : null,
            el('span', { class: 'status' }, answered ? 'HTTP ' + status : ''),
            el('span', { class: sig === true ? 'sig-ok' : 'sig-bad' }, (sig === true ? '✔ ' : '✘ ') + sigText),
            el('span', { class: 'time', title: time || '' }, (time ? String(time).replace(/^.*T/, '').replace(/\.\d+/, '').replace(/[+-]\d\d:\d\d$|Z$/, '') : '') + (ms !== undefined ? ' · ' + ms.toFixed(1) + ' ms' : ''))),
          el('h4', null, 'request ' + (pick(x, 'path') || '')),
          el('pre', { class: 'request' }, pretty(pick(x, 'request'))),
          el('h4', null, answered ? 'reply' : 'no reply'),
          el('pre', { class: 'reply' }, pretty(reply))));
      ol.prepend(item);
    }
    $('exchange-count').textContent = String(page.exchanges.length);
  }

  // ---- the cashier's controls ---------------------------------------------------------------------

  function focusScan() {
    if ($('modal').hidden) $('scan-input').focus();
  }

  function decimalOrUndefined(text) {
    const t = String(text || '').trim().replace(',', '.');
    if (t === '') return undefined;
    const n = Number(t);
    return Number.isFinite(n) ? n : NaN;
  }

  function wire() {
    $('scan-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const code = $('scan-input').value.trim();
      if (!code) return;
      $('scan-input').value = '';
      step('scanCode', { code, codeType: $('scan-type').value });
    });
    $('free-line').addEventListener('submit', (e) => {
      e.preventDefault();
      const text = $('free-text').value.trim();
      const price = decimalOrUndefined($('free-price').value);
      const qty = decimalOrUndefined($('free-qty').value);
      if (!text || Number.isNaN(price) || Number.isNaN(qty)) {
        toast({ message: 'A free line needs a text, and price and quantity as numbers.', backgroundColor: '#c62828' });
        return;
      }
      const s = { text, priceIncl: price ?? 0, quantity: qty ?? 1 };
      $('free-text').value = '';
      $('free-price').value = '';
      $('free-qty').value = '';
      step('addLine', s);
    });
    $('relation-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const n = $('relation-number').value.trim();
      if (!/^\d+$/.test(n)) {
        toast({ message: 'A relation number is a whole number.', backgroundColor: '#c62828' });
        return;
      }
      step('selectRelation', { relationNumber: Number(n) });
    });
    $('btn-deselect').addEventListener('click', () => step('selectRelation', { relationNumber: null }));
    $('custom-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const id = $('custom-id').value.trim();
      if (!id) return;
      const s = { customActionId: id };
      const pad = decimalOrUndefined($('custom-numpad').value);
      if (pad !== undefined && !Number.isNaN(pad)) s.numpadValue = pad;
      if ($('custom-long').checked) s.longClick = true;
      step('customAction', s);
    });
    $('btn-background-poll').addEventListener('click', () => step('backgroundPoll'));
    $('btn-start-session').addEventListener('click', () => step('startSession'));
    $('btn-start-payment').addEventListener('click', () => step('startPayment'));
    $('btn-cancel-payment').addEventListener('click', () => step('cancelPayment'));
    $('btn-complete').addEventListener('click', () => step('complete'));
    $('btn-print-bill').addEventListener('click', () => step('printBill'));
    $('btn-park').addEventListener('click', () => step('pauseSession'));
    $('btn-resume').addEventListener('click', () => step('resumeSession'));
    $('btn-cancel-session').addEventListener('click', () => step('cancelSession'));
    $('external-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const method = $('external-method-other').value.trim() || $('external-method').value;
      const amount = decimalOrUndefined($('external-amount').value);
      if (Number.isNaN(amount)) {
        toast({ message: 'The amount is not a number.', backgroundColor: '#c62828' });
        return;
      }
      const s = { method };
      if (amount !== undefined) s.amount = amount;
      payment.cancelAsked = payment.forceAsked = false;
      step('startExternalPayment', s);
    });
    $('btn-poll').addEventListener('click', () => followPayment());
    $('btn-request-cancel').addEventListener('click', () => {
      payment.cancelAsked = true;
      $('btn-request-cancel').disabled = true;
      if (!payment.following) followPayment();
    });
    $('btn-force-cancel').addEventListener('click', () => {
      payment.forceAsked = true;
      $('btn-force-cancel').disabled = true;
      if (!payment.following) followPayment();
    });
    $('btn-show-receipt').addEventListener('click', () => page.lastReceipt && showPrintout('receipt', page.lastReceipt));
    $('btn-show-bill').addEventListener('click', () => page.lastBill && showPrintout('bill', page.lastBill));
    $('btn-reset').addEventListener('click', async () => {
      if (page.busy) return;
      setBusy('reset');
      try {
        const data = await api('POST', '/api/reset');
        page.exchanges = [];
        $('exchange-list').textContent = '';
        $('exchange-count').textContent = '0';
        page.seenMessages = 0;
        page.seenCustomerMessages = 0;
        page.stepErrorRequest = null;
        page.stepProblems = [];
        page.lastReceipt = page.lastBill = null;
        $('btn-show-receipt').disabled = $('btn-show-bill').disabled = true;
        $('toasts').textContent = '';
        closeModal();
        setBusy(null);
        applyTill(data && data.till);
      } catch (e) {
        setBusy(null);
        toast({ message: 'Reset failed: ' + e.message, backgroundColor: '#c62828' });
      }
      focusScan();
    });
    const toggleExchanges = () => document.body.classList.toggle('with-exchanges');
    $('btn-exchanges').addEventListener('click', toggleExchanges);
    $('btn-close-exchanges').addEventListener('click', toggleExchanges);

    // A scanner types like a keyboard: keys typed outside a field go to the scan field, so
    // scanning needs no mouse (type, then Enter).
    document.addEventListener('keydown', (e) => {
      if (!$('modal').hidden) {
        if (modalKind === 'dialog') dialogKey(e);
        else if (modalKind === 'receipt' && (e.key === 'Escape' || e.key === 'Enter')) closeModal();
        return;
      }
      const t = e.target;
      const inField = t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA');
      if (inField || e.ctrlKey || e.metaKey || e.altKey || e.key.length !== 1) return;
      $('scan-input').focus();
    });
  }

  // Keys 1-9 choose a dialog option; Escape closes a dialog that is not required.
  function dialogKey(e) {
    if (/^[1-9]$/.test(e.key)) {
      const buttons = document.querySelectorAll('#modal .dialog-option');
      const b = buttons[Number(e.key) - 1];
      if (b && !b.disabled) {
        e.preventDefault();
        b.click();
      }
    } else if (e.key === 'Escape') {
      const close = $('dialog-close');
      if (close) close.click();
    }
  }

  async function start() {
    wire();
    try {
      page.config = Object.assign(page.config, await api('GET', '/api/config'));
    } catch (e) {
      toast({ message: 'Cannot read the till settings: ' + e.message, backgroundColor: '#c62828' });
    }
    $('middleware').textContent = page.config.url || '';
    renderArticles();
    try {
      await loadState();
    } catch (e) {
      toast({ message: 'Cannot read the till: ' + e.message, backgroundColor: '#c62828' });
    }
    focusScan();
  }

  start();
})();
