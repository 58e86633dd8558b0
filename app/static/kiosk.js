// The kiosk: one question per screen, an idle reset that throws half-finished answers away,
// and the automatic return to the start screen after the thank-you page.
// Loaded in <head> so the page is styled for it before anything is drawn.
"use strict";
document.documentElement.classList.add("js");

document.addEventListener("DOMContentLoaded", function () {
  var body = document.body;
  var startUrl = body.dataset.startUrl;

  function backToStart() {
    // replace(), not assign(): the finished or abandoned page leaves no history entry.
    window.location.replace(startUrl);
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

  function armIdleTimer() {
    window.clearTimeout(idleTimer);
    // A question screen, or a start screen left in another language, goes back to the
    // plain Danish start screen for the next person.
    if (current >= 0 || window.location.search) {
      idleTimer = window.setTimeout(function () { form.reset(); backToStart(); }, idleMs);
    }
  }

  function show(index) {
    current = Math.max(-1, Math.min(index, steps.length - 1));
    start.hidden = current >= 0;
    form.hidden = current < 0;
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
    if (action === "next") { show(current + 1); }
    if (action === "back") { show(current - 1); }
    if (action === "cancel") { form.reset(); backToStart(); }
  });

  form.addEventListener("change", function (event) {
    // One tap answers a single-choice screen: move on, leaving a moment to see the tick.
    if (event.target.type === "radio") {
      var from = current;
      window.setTimeout(function () { if (current === from) { show(current + 1); } }, 350);
    }
  });

  // Sending in the background keeps every answer out of the browser's history: a failed send
  // never becomes a page the next person could go back to or re-send.
  var sendButton = form.querySelector("button[type=submit]");
  var sendNotice = document.getElementById("send-notice");

  function say(text) {
    sendNotice.textContent = text;
    sendNotice.hidden = false;
  }

  function send(mayRetry) {
    sendButton.disabled = true;
    sendNotice.hidden = true;
    fetch(window.location.href, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (response) {
        if (response.ok && response.redirected) {
          // Kept on this tablet only, to hold the next answer back for a few seconds.
          window.sessionStorage.setItem("kioskSentAt", String(Date.now()));
          form.reset();
          window.location.replace(response.url);
          return null;
        }
        return response.text().then(function (html) {
          var page = new DOMParser().parseFromString(html, "text/html");
          var fresh = page.querySelector("input[name=csrf_token]");
          if (fresh) { form.elements.csrf_token.value = fresh.value; }
          var notice = page.querySelector(".notice");
          if (mayRetry && notice && (notice.dataset.notice === "expired" || notice.dataset.notice === "cookies")) { send(false); return; }
          say(notice ? notice.textContent.trim() : sendNotice.dataset.failed);
          sendButton.disabled = false;
        });
      })
      .catch(function () {
        say(sendNotice.dataset.failed);
        sendButton.disabled = false;
      });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    send(true);
  });

  ["pointerdown", "keydown", "input"].forEach(function (type) {
    document.addEventListener(type, armIdleTimer, true);
  });

  // A page restored from the back/forward cache must not show the last person's answers.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { form.reset(); show(-1); }
  });

  // The start button waits out the gap since the last answer sent from this tablet.
  var startButton = start.querySelector("[data-action=start]");
  var wait = Number(window.sessionStorage.getItem("kioskSentAt") || 0) +
    Number(body.dataset.gapSeconds || 0) * 1000 - Date.now();
  if (wait > 0) {
    startButton.disabled = true;
    window.setTimeout(function () { startButton.disabled = false; }, wait);
  }

  form.reset();  // back to the answers the server rendered: none, unless a send failed
  show(body.dataset.resume ? steps.length - 1 : -1);
});
