// The kiosk: one question per screen, an idle reset that throws half-finished answers away,
// and the automatic return to the start screen after the thank-you page.
// Loaded in <head> so the page is styled for it before anything is drawn.
"use strict";
document.documentElement.classList.add("js");

var SEND_TIMEOUT_MS = 10000;  // a Wi-Fi that hangs rather than fails must not keep a person waiting
var STORAGE_TIMEOUT_MS = 3000;  // nor a browser whose storage hangs: then the answer is not queued
var HOLD_TO_EXIT_MS = 3000;  // long enough that nobody leaves the kiosk by accident
var EXIT_DIALOG_MS = 60000;  // a PIN dialog left open must not block the next person
var SEEN_EVERY_MS = 15 * 60 * 1000;  // a tablet says it is on this often, on the quarter hour
var FRESH_FOR_MS = 60 * 60 * 1000;  // an unused start screen is fetched afresh after this long
var loadedAt = Date.now();
// As long as the server remembers an answer's key (RECEIPT_WEEKS): older ones could count twice.
var QUEUE_WEEKS = 12;

// The Monday of an ISO week ("2026-W48"), in milliseconds since 1970.
function weekStart(key) {
  var year = Number(key.slice(0, 4));
  var week = Number(key.slice(6));
  var january4 = Date.UTC(year, 0, 4);
  var weekday = new Date(january4).getUTCDay() || 7;
  return january4 - (weekday - 1) * 86400000 + (week - 1) * 7 * 86400000;
}

// The ISO week ("2026-W48") of a day on the tablet's own calendar.
function isoWeek(date) {
  var day = new Date(Date.UTC(date.getFullYear(), date.getMonth(), date.getDate()));
  day.setUTCDate(day.getUTCDate() + 4 - (day.getUTCDay() || 7));  // the Thursday of its week
  var year = day.getUTCFullYear();
  var week = Math.ceil(((day - Date.UTC(year, 0, 1)) / 86400000 + 1) / 7);
  return year + "-W" + (week < 10 ? "0" : "") + week;
}

// An answer sealed for the server (app/sealing.py): a fresh AES-GCM key per answer, wrapped with
// the installation's RSA-OAEP public key. The tablet cannot open it again; only the server can.
// Rejects where the browser has no WebCrypto (a page not served over HTTPS): then nothing is kept.
function sealFor(publicKey, plain) {
  var subtle = window.crypto && window.crypto.subtle;
  if (!subtle || !publicKey) { return Promise.reject(new Error("no WebCrypto")); }
  function base64(buffer) { return window.btoa(String.fromCharCode.apply(null, new Uint8Array(buffer))); }
  var der = Uint8Array.from(window.atob(publicKey), function (c) { return c.charCodeAt(0); });
  var iv = window.crypto.getRandomValues(new Uint8Array(12));
  return Promise.all([
    subtle.importKey("spki", der, { name: "RSA-OAEP", hash: "SHA-256" }, false, ["encrypt"]),
    subtle.generateKey({ name: "AES-GCM", length: 256 }, true, ["encrypt"])
  ]).then(function (keys) {
    var text = new TextEncoder().encode(JSON.stringify(plain));
    return Promise.all([subtle.encrypt({ name: "AES-GCM", iv: iv }, keys[1], text), subtle.exportKey("raw", keys[1])])
      .then(function (done) {
        return subtle.encrypt({ name: "RSA-OAEP" }, keys[0], done[1]).then(function (wrapped) {
          return JSON.stringify({ k: base64(wrapped), iv: base64(iv), c: base64(done[0]) });
        });
      });
  });
}

// The tablet's queue of sealed answers not yet stored by the server: one IndexedDB store, by key.
var kioskQueue = (function () {
  function run(mode, work) {
    return new Promise(function (resolve, reject) {
      if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
      window.setTimeout(function () { reject(new Error("IndexedDB did not answer")); }, STORAGE_TIMEOUT_MS);
      var opening = window.indexedDB.open("brugerstemmen-kiosk", 1);
      opening.onupgradeneeded = function () { opening.result.createObjectStore("answers", { keyPath: "key" }); };
      opening.onerror = opening.onblocked = function () { reject(opening.error); };
      opening.onsuccess = function () {
        var database = opening.result;
        try {
          var transaction = database.transaction("answers", mode);
          var request = work(transaction.objectStore("answers"));
          transaction.oncomplete = function () { database.close(); resolve(request.result); };
          transaction.onerror = transaction.onabort = function () { database.close(); reject(transaction.error); };
        } catch (error) {
          database.close();
          reject(error);
        }
      };
    });
  }
  return {
    put: function (entry) { return run("readwrite", function (store) { return store.put(entry); }); },
    remove: function (key) { return run("readwrite", function (store) { return store.delete(key); }); },
    all: function () { return run("readonly", function (store) { return store.getAll(); }); }
  };
}());

document.addEventListener("DOMContentLoaded", function () {
  var body = document.body;
  var startUrl = body.dataset.startUrl;

  var lastSentAt = 0;  // in memory only: no time of an answer is written anywhere on the tablet

  function backToStart() {
    // The same page, made new in place: no visit per person lands in the browser's history. Only
    // a screen in another language goes back to the Danish start page, by the network.
    var resettable = document.getElementById("survey") && !window.location.search;
    if (resettable) {
      resetInPlace();
      return;
    }
    // replace(), not assign(): the finished or abandoned page leaves no history entry.
    if (navigator.serviceWorker && navigator.serviceWorker.controller) {
      window.location.replace(startUrl);  // the service worker has a copy should the server be away
      return;
    }
    // Without one, only go if the start page is there to go to; else start afresh in place.
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller && window.setTimeout(function () { controller.abort(); }, SEND_TIMEOUT_MS);
    fetch(startUrl, { method: "HEAD", credentials: "same-origin", signal: controller && controller.signal })
      .then(function (response) { return response.ok; }, function () { return false; })
      .then(function (reachable) {
        window.clearTimeout(timer);
        if (reachable || !document.getElementById("survey")) {
          window.location.replace(startUrl);
        } else {
          resetInPlace();
        }
      });
  }

  if (body.dataset.returnSeconds) {
    window.setTimeout(backToStart, Number(body.dataset.returnSeconds) * 1000);
    return;
  }

  var form = document.getElementById("survey");
  var start = document.getElementById("start");
  if (!form || !start) { return; }
  var steps = Array.prototype.slice.call(form.querySelectorAll(".step"));
  var idleMs = Number(body.dataset.idleSeconds || 90) * 1000;
  var current = -1;
  var idleTimer = null;
  var unreachable = false;

  function ticked() {
    return Array.prototype.some.call(form.elements, function (field) {
      return (field.checked && field.type !== "hidden") || (field.tagName === "TEXTAREA" && field.value !== "");
    });
  }

  function armIdleTimer() {
    window.clearTimeout(idleTimer);
    // A question screen, a start screen left in another language, or one with ticks on it (the
    // first question answered there, or Back from the questions) goes back to the plain Danish
    // start screen for the next person.
    if (current >= 0 || window.location.search || ticked()) {
      idleTimer = window.setTimeout(function () { form.reset(); backToStart(); }, idleMs);
    }
  }

  function show(index) {
    document.documentElement.classList.add("ready");
    current = Math.max(-1, Math.min(index, steps.length - 1));
    start.hidden = current >= 0;
    form.hidden = current < 0;
    body.classList.toggle("answering", current >= 0);
    steps.forEach(function (step, i) { step.classList.toggle("current", i === current); });
    window.scrollTo(0, 0);
    if (current >= 0) { steps[current].focus(); }
    armIdleTimer();
  }

  // A tablet on the wall: no long-press menu, and (where the browser allows, after a tap)
  // the whole screen, kept awake.
  document.addEventListener("contextmenu", function (event) { event.preventDefault(); });

  function stayOnScreen() {
    var root = document.documentElement;
    if (root.requestFullscreen && !document.fullscreenElement) {
      root.requestFullscreen().catch(function () { /* not allowed here: fine */ });
    }
    if (navigator.wakeLock && navigator.wakeLock.request) {
      navigator.wakeLock.request("screen").catch(function () { /* e.g. battery saver: fine */ });
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-action]");
    if (!button) { return; }
    var action = button.dataset.action;
    if (action === "start") { stayOnScreen(); show(0); }
    if (action === "first") {
      // The first question answered on the start screen: on to the next screen, which can send it.
      stayOnScreen();
      var chosen = form.querySelector('input[name="' + button.dataset.name + '"][value="' + button.dataset.value + '"]');
      if (chosen) { chosen.checked = true; }
      show(1);
    }
    if (action === "next") { show(current + 1); }
    if (action === "back") { show(current - 1); }
    if (action === "cancel") { form.reset(); backToStart(); }
    if (action === "close-exit") { exitDialog.close(); }
  });

  // Staff leave the kiosk by holding a finger on the centre's name, then typing the kiosk PIN.
  var exitDialog = document.getElementById("staff-exit");
  var holdTarget = start.querySelector("[data-staff-exit]");
  var holdTimer = null;
  holdTarget.addEventListener("pointerdown", function () {
    window.clearTimeout(holdTimer);
    holdTimer = window.setTimeout(function () {
      exitDialog.querySelector("form").reset();
      exitDialog.showModal();
      exitDialog.querySelector("input[name=pin]").focus();
      window.setTimeout(function () { exitDialog.close(); }, EXIT_DIALOG_MS);
    }, HOLD_TO_EXIT_MS);
  });
  ["pointerup", "pointerleave", "pointercancel"].forEach(function (type) {
    holdTarget.addEventListener(type, function () { window.clearTimeout(holdTimer); });
  });

  form.addEventListener("change", function (event) {
    // A screen of single choices moves on once each is answered (one tap for most questions,
    // one per statement for the matrix), leaving a moment to see the tick.
    if (event.target.type !== "radio" || current >= steps.length - 1) { return; }
    var radios = steps[current].querySelectorAll("input[type=radio]");
    var open = {};
    Array.prototype.forEach.call(radios, function (radio) { open[radio.name] = open[radio.name] !== false && !radio.checked; });
    for (var name in open) { if (open[name]) { return; } }
    var from = current;
    window.setTimeout(function () { if (current === from) { show(current + 1); } }, 350);
  });

  // Sending in the background keeps every answer out of the browser's history: a failed send
  // never becomes a page the next person could go back to or re-send, and the thanks are shown
  // in the page, not navigated to. Every answer is first sealed for the server and put in the
  // tablet's own queue (IndexedDB) under a random key, then sent as given from memory; when the
  // server cannot be reached the sealed copy waits, the person is thanked all the same, and it
  // is sent later. The tablet never keeps an answer it could read.
  // The key makes a re-send after a lost reply count once.
  var sendButtons = form.querySelectorAll("button[type=submit]");  // Send, and Send now on each screen
  var sending = false;
  function holdSend(on) {
    sending = on;
    Array.prototype.forEach.call(sendButtons, function (button) { button.disabled = on; });
  }
  var sendNotice = document.getElementById("send-notice");
  var thanks = document.getElementById("thanks");
  var waiting = document.getElementById("waiting");
  var retryMs = Number(body.dataset.retrySeconds || 30) * 1000;
  var intervalMs = Number(body.dataset.intervalSeconds || 0) * 1000;
  var centre = body.dataset.centre;
  var sealKey = body.dataset.sealKey;
  var plainThanks = thanks.innerHTML;
  var thanksPath = new URL(body.dataset.thanksUrl, window.location.href).pathname;
  var inFlight = {};
  var flushing = false;

  function say(text) {
    sendNotice.textContent = text;
    sendNotice.hidden = false;
  }

  function answerFields() {
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrf_token") { fields.push([name, value]); }
    });
    return fields;
  }

  function newEntry() {
    var bytes = new Uint8Array(18);
    window.crypto.getRandomValues(bytes);
    var key = window.btoa(String.fromCharCode.apply(null, bytes)).replace(/\+/g, "-").replace(/\//g, "_");
    // The week is all the time an answer carries: never the moment it was given.
    return { key: key, week: isoWeek(new Date()), url: window.location.pathname + window.location.search,
             fields: answerFields() };
  }

  // What the queue keeps of an answer: its key, its centre and week, and the answer sealed.
  function queueEntry(entry) {
    return sealFor(sealKey, entry.fields.concat([["week", entry.week]])).then(function (sealed) {
      return { key: entry.key, centre: centre, week: entry.week, sealed: sealed };
    });
  }

  // outcome: {stored: thank-you page} | {refused: the page's notice} | {unreachable: true} | {held: true}
  function deliver(entry, token, mayRenewToken) {
    var data = new FormData();
    if (entry.sealed) {
      data.append("sealed", entry.sealed);
    } else {
      entry.fields.forEach(function (pair) { data.append(pair[0], pair[1]); });
      data.append("week", entry.week);
    }
    data.append("csrf_token", token);
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller && window.setTimeout(function () { controller.abort(); }, SEND_TIMEOUT_MS);
    inFlight[entry.key] = true;
    return fetch(entry.url || startUrl, { method: "POST", body: data, credentials: "same-origin",
                              headers: { "Idempotency-Key": entry.key }, signal: controller && controller.signal })
      .then(function (response) {
        // Stored means the server's own thank-you page, not any page a proxy redirected to.
        if (response.ok && new URL(response.url).pathname === thanksPath) {
          return response.text().then(function (html) { return { stored: html }; }, function () { return { stored: "" }; });
        }
        if (response.status === 429) {
          return { held: true };  // the tablet's own interval between answers: not a fault
        }
        if (response.ok || response.status >= 500 || [403, 408].indexOf(response.status) >= 0) {
          return { unreachable: true };
        }
        return response.text().then(function (html) {
          var page = new DOMParser().parseFromString(html, "text/html");
          var fresh = page.querySelector("input[name=csrf_token]");
          if (fresh) { form.elements.csrf_token.value = fresh.value; }
          var notice = page.querySelector(".notice");
          var kind = notice && notice.dataset.notice;
          if (kind === "expired" || kind === "cookies") {
            return mayRenewToken && fresh ? deliver(entry, fresh.value, false) : { unreachable: true };
          }
          return { refused: notice ? notice.textContent.trim() : sendNotice.dataset.failed };
        });
      })
      .catch(function () { return { unreachable: true }; })
      .then(function (outcome) {
        window.clearTimeout(timer);
        delete inFlight[entry.key];
        return outcome;
      });
  }

  function send() {
    if (sending) { return; }  // a second tap while the first is on its way: one answer, once
    holdSend(true);
    sendNotice.hidden = true;
    var entry = newEntry();
    queueEntry(entry).then(kioskQueue.put).then(function () { return true; }, function () { return false; }).then(function (queued) {
      return deliver(entry, form.elements.csrf_token.value, true).then(function (outcome) {
        if (outcome.stored !== undefined) {
          answered();
          return kioskQueue.remove(entry.key).catch(function () { /* sent again later, counted once */ })
            .then(function () { thankInPlace(outcome.stored); });
        }
        if (outcome.unreachable && queued) {
          unreachable = true;
          answered();
          thankInPlace();
          return null;
        }
        if (outcome.held && queued) {
          // Given within the tablet's interval after the last answer: kept sealed, without a
          // word, and sent once the interval has passed. Nothing is wrong with the network.
          answered();
          thankInPlace();
          flushAfterInterval();
          return null;
        }
        if (queued) { kioskQueue.remove(entry.key).catch(function () { /* refused again later */ }); }
        say(outcome.refused || sendNotice.dataset.failed);
        holdSend(false);
        return null;
      });
    });
  }

  function answered() {
    lastSentAt = Date.now();  // to hold the next answer back for a few seconds
    form.reset();
  }

  // The thanks in the page: the server's thank-you page (what staff last said, too) when it has
  // the answer, the plain thanks when it waits on the tablet.
  function thankInPlace(html) {
    var page = html && new DOMParser().parseFromString(html, "text/html");
    var given = page && page.querySelector(".message-page.thanks");
    thanks.innerHTML = given ? given.innerHTML : plainThanks;
    // Its ids would be the start screen's twice over: the thanks' own get a suffix.
    Array.prototype.forEach.call(thanks.querySelectorAll("[id]"), function (element) {
      var before = element.id;
      element.id = before + "-thanks";
      Array.prototype.forEach.call(thanks.querySelectorAll("[aria-labelledby='" + before + "'], [aria-describedby='" + before + "']"),
        function (user) {
          ["aria-labelledby", "aria-describedby"].forEach(function (name) {
            if (user.getAttribute(name) === before) { user.setAttribute(name, element.id); }
          });
        });
    });
    var heading = thanks.querySelector("h1");
    if (heading) { heading.tabIndex = -1; }
    form.hidden = true;
    start.hidden = true;
    body.classList.remove("answering");
    thanks.hidden = false;
    if (heading) { heading.focus(); }
    window.clearTimeout(thanksTimer);
    thanksTimer = window.setTimeout(backToStart, Number(thanks.dataset.returnSeconds) * 1000);
  }
  var thanksTimer = null;
  thanks.addEventListener("click", function (event) {
    if (event.target.closest("a[href]") && event.target.closest("a").pathname === new URL(startUrl, window.location.href).pathname) {
      event.preventDefault();  // "Back to the start": in place, as the timer does
      window.clearTimeout(thanksTimer);
      backToStart();
    }
  });

  var heldTimer = null;
  function flushAfterInterval() {
    window.clearTimeout(heldTimer);  // one timer, however many answers wait it out
    heldTimer = window.setTimeout(flush, intervalMs + 1000);
  }

  function flush() {
    if (flushing) { return Promise.resolve(); }
    flushing = true;
    var oldest = Date.now() - QUEUE_WEEKS * 7 * 86400000;
    return kioskQueue.all().then(function (entries) {
      // Another centre's answers (a tablet moved between centres) wait for their own centre.
      var pending = entries.filter(function (entry) { return !inFlight[entry.key] && entry.centre === centre; });
      return pending.reduce(function (previous, entry) {
        return previous.then(function (stop) {
          if (stop) { return true; }
          if (weekStart(entry.week) < oldest) { return kioskQueue.remove(entry.key).then(function () { return false; }); }
          return deliver(entry, form.elements.csrf_token.value, true).then(function (outcome) {
            unreachable = Boolean(outcome.unreachable);
            if (outcome.held) {  // the interval again: the next round sends it
              flushAfterInterval();
              return true;
            }
            // Stored now, or refused for good (it could never be stored): either way it leaves.
            return outcome.unreachable ? true : kioskQueue.remove(entry.key).then(function () { return false; });
          });
        });
      }, Promise.resolve(false));
    }).catch(function () { /* no queue on this browser: nothing waits */ })
      .then(function () { flushing = false; return showWaiting(); });
  }

  function showWaiting() {
    return kioskQueue.all().then(function (entries) {
      // Staff read this as "the network is down": only then is it shown, never for an answer
      // that merely waits out the interval between two answers.
      waiting.hidden = entries.length === 0 || !unreachable;
      waiting.querySelector("span").textContent =
        waiting.dataset.template.replace("__N__", new Intl.NumberFormat(document.documentElement.lang).format(entries.length));
    }).catch(function () { waiting.hidden = true; });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    send();
  });

  ["pointerdown", "keydown", "input"].forEach(function (type) {
    document.addEventListener(type, armIdleTimer, true);
  });

  // Another language, chosen with answers already ticked (on the way back to the start screen):
  // the same page in that language is fetched and its words put into this one, so every tick
  // stays as it is and nothing is written anywhere. Without ticks a language is a plain link.
  var KEPT_ATTRIBUTES = /^(class|style|id|value|checked|hidden|disabled|tabindex|open|aria-pressed|aria-expanded)$/;
  function sameShape(here, there) {
    if (here.tagName !== there.tagName || here.children.length !== there.children.length) { return false; }
    if (here.matches("nav.languages, dialog, svg")) { return true; }
    for (var i = 0; i < here.children.length; i++) {
      if (!sameShape(here.children[i], there.children[i])) { return false; }
    }
    return true;
  }
  function takeWords(here, there) {
    if (here.matches("nav.languages")) { here.innerHTML = there.innerHTML; return; }
    if (here.matches("dialog, svg, script")) { return; }  // staff's own words; drawings
    Array.prototype.forEach.call(there.attributes, function (attribute) {
      if (!KEPT_ATTRIBUTES.test(attribute.name)) { here.setAttribute(attribute.name, attribute.value); }
    });
    var mine = here.childNodes;
    var theirs = there.childNodes;
    var texts = Array.prototype.filter.call(mine, function (node) { return node.nodeType === 3; });
    var freshTexts = Array.prototype.filter.call(theirs, function (node) { return node.nodeType === 3; });
    texts.forEach(function (node, i) { if (freshTexts[i]) { node.data = freshTexts[i].data; } });
    for (var i = 0; i < here.children.length; i++) { takeWords(here.children[i], there.children[i]); }
  }
  function inLanguage(link) {
    thanks.innerHTML = plainThanks;  // as rendered, so that both pages have the same shape
    return fetch(link.href, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) { throw new Error(response.status); }
      return response.text();
    }).then(function (html) {
      var fresh = new DOMParser().parseFromString(html, "text/html");
      var main = document.getElementById("main");
      var freshMain = fresh.getElementById("main");
      if (!freshMain || !fresh.getElementById("survey") || !sameShape(main, freshMain)) { throw new Error("not the same page"); }
      takeWords(main, freshMain);
      var footer = document.querySelector("footer");
      var freshFooter = fresh.querySelector("footer");
      if (footer && freshFooter && sameShape(footer, freshFooter)) { takeWords(footer, freshFooter); }
      document.documentElement.lang = fresh.documentElement.lang;
      document.documentElement.dir = fresh.documentElement.dir;
      document.title = fresh.title;
      plainThanks = thanks.innerHTML;
      // The address says the language (the idle return takes the next person back to Danish);
      // replaced, not added: no entry in the history per change.
      var url = new URL(link.href);
      window.history.replaceState(null, "", url.searchParams.get("lang") === "da" ? startUrl : url.pathname + url.search);
      armIdleTimer();
      showWaiting();
      // The link pressed is gone: focus goes to the language now chosen, and read-aloud
      // (comfort.js) follows the new language.
      var chosen = start.querySelector("nav.languages [aria-current]");
      if (chosen) { chosen.tabIndex = -1; chosen.focus(); }
      document.dispatchEvent(new Event("languagechange"));
    });
  }
  start.addEventListener("click", function (event) {
    var link = event.target.closest("nav.languages a[hreflang]");
    if (!link || !ticked()) { return; }
    event.preventDefault();
    inLanguage(link).catch(function () { /* stays in this language, with its ticks */ });
  });

  function resetInPlace() {
    form.reset();
    thanks.hidden = true;
    sendNotice.hidden = true;
    holdSend(false);
    show(-1);
    holdStartButton();
    showWaiting();
  }

  // A page restored from the back/forward cache must not show the last person's answers.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { resetInPlace(); }
  });

  // Tell the server this tablet is on, so staff can see one that has gone quiet: at fixed times
  // of the clock (every quarter of an hour), never after an answer, whatever reloads the page.
  // The server keeps only the day.
  function seenIn() { return SEEN_EVERY_MS - (Date.now() % SEEN_EVERY_MS); }
  function sayImOn() {
    fetch(body.dataset.seenUrl, { method: "POST", credentials: "same-origin" }).catch(function () { /* next time */ });
    window.setTimeout(sayImOn, seenIn());
    // A start screen nobody is using is fetched afresh, once it is an hour old, at these same
    // times (the questions and notes as staff left them): answers no longer reload it.
    if (Date.now() - loadedAt > FRESH_FOR_MS && current < 0 && thanks.hidden && !flushing && navigator.onLine) {
      window.location.replace(startUrl);
    }
  }
  if (body.dataset.seenUrl) { window.setTimeout(sayImOn, seenIn()); }

  // Queued answers go as soon as the network is back, and are tried again now and then.
  window.addEventListener("online", flush);
  window.setInterval(flush, retryMs);
  flush();
  if (navigator.storage && navigator.storage.persist) {
    // Ask that queued answers survive when the tablet runs short of space.
    navigator.storage.persisted().then(function (yes) { return yes || navigator.storage.persist(); })
      .catch(function () { /* not granted: the queue still works */ });
  }
  if (navigator.serviceWorker && body.dataset.worker) {
    navigator.serviceWorker.register(body.dataset.worker, { scope: startUrl })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function (registration) {
        // The pages this start screen leads to, kept for when the server is away.
        registration.active.postMessage({ keep: (body.dataset.offline || "").split(" ").filter(Boolean) });
      })
      .catch(function () { /* e.g. plain http: the start page then needs the network */ });
  }

  // The start button waits out the gap since the last answer sent from this tablet.
  var startButtons = start.querySelectorAll("[data-action=start], [data-action=first]");
  function holdStartButton() {
    var wait = lastSentAt + Number(body.dataset.gapSeconds || 0) * 1000 - Date.now();
    if (wait > 0) {
      Array.prototype.forEach.call(startButtons, function (button) { button.disabled = true; });
      window.setTimeout(function () {
        Array.prototype.forEach.call(startButtons, function (button) { button.disabled = false; });
      }, wait);
    }
  }
  holdStartButton();

  form.reset();  // back to the answers the server rendered: none, unless a send failed
  show(body.dataset.resume ? steps.length - 1 : -1);
});
