/* Comfort on the respondent screens: larger, high-contrast text, and each question read aloud
   with the browser's own speech synthesis (nothing leaves the device). A read-aloud button
   appears only when the device has a voice for the page's language, and only what is shown
   on the screen is ever read: never a hidden field, a hidden label or another question. */
(function () {
  "use strict";

  var ENDS_A_SENTENCE = /[.?!:;\u061f\u06d4]$/;

  function voiceFor(lang) {
    var voices = window.speechSynthesis.getVoices();
    for (var i = 0; i < voices.length; i++) {
      if ((voices[i].lang || "").toLowerCase().split(/[-_]/)[0] === lang) { return voices[i]; }
    }
    return null;
  }

  function shown(element) {
    if (element.closest("[hidden], [aria-hidden='true'], .hp, .visually-hidden, .comfort, [data-speak]")) { return false; }
    return element.getClientRects().length > 0 && window.getComputedStyle(element).visibility !== "hidden";
  }

  // The text a person sees in `root`, in reading order. A matrix's shared answers are read
  // once, after its first statement, not five times over.
  function spokenText(root) {
    var text = "";
    var heard = {};
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (var node = walker.nextNode(); node; node = walker.nextNode()) {
      var words = node.nodeValue.replace(/\s+/g, " ").trim();
      var parent = node.parentElement;
      if (!words || !shown(parent) || parent.closest("textarea, script, style")) { continue; }
      if (parent.closest(".statement .tile")) {
        if (heard[words]) { continue; }
        heard[words] = true;
      }
      text += text ? (ENDS_A_SENTENCE.test(text) ? " " : ", ") + words : words;
    }
    return text;
  }

  function setUpReading(buttons, rootOf) {
    if (!buttons.length || !("speechSynthesis" in window) || !window.SpeechSynthesisUtterance) { return; }
    // Read at each use: the kiosk can change its language in place (kiosk.js, "languagechange").
    function lang() { return document.documentElement.lang.toLowerCase().split(/[-_]/)[0]; }
    var synth = window.speechSynthesis;
    var speaking = null;

    function update() {
      var missing = voiceFor(lang()) === null;
      document.documentElement.classList.toggle("can-speak", !missing);
      buttons.forEach(function (button) { button.hidden = missing; });
    }
    function stop() {
      synth.cancel();
      if (speaking) { speaking.setAttribute("aria-pressed", "false"); }
      speaking = null;
    }
    update();
    if (synth.addEventListener) { synth.addEventListener("voiceschanged", update); }
    document.addEventListener("languagechange", function () { stop(); update(); });
    buttons.forEach(function (button) {
      button.setAttribute("aria-pressed", "false");
      button.addEventListener("click", function () {
        var again = speaking === button;
        stop();
        var voice = voiceFor(lang());
        if (again || !voice) { return; }
        var utterance = new window.SpeechSynthesisUtterance(spokenText(rootOf(button)));
        utterance.lang = voice.lang;
        try { utterance.voice = voice; } catch (ignored) { /* the language alone picks a voice */ }
        utterance.onend = utterance.onerror = function () {
          if (speaking === button) { stop(); }
        };
        speaking = button;
        button.setAttribute("aria-pressed", "true");
        synth.speak(utterance);
      });
    });
  }

  function hasAnswers(form) {
    return Array.prototype.some.call(form.elements, function (field) {
      return (field.checked && field.type !== "hidden") || (field.tagName === "TEXTAREA" && field.value.trim() !== "");
    });
  }

  // A language picked half-way on the phone keeps what is ticked: the answers go along to the
  // same page in that language (the server stores nothing for it) instead of being left behind.
  document.addEventListener("click", function (event) {
    var link = event.target.closest(".language-menu a[hreflang]");
    var form = document.querySelector("form[data-keeps-answers]");
    if (!link || !form || !hasAnswers(form)) { return; }
    event.preventDefault();
    // Sent by a button of its own, made for this press and gone after it: the form itself is not
    // changed, so a page restored from the back/forward cache sends the next answer as usual.
    var button = document.createElement("button");
    button.type = "submit";
    button.name = "language";
    button.value = link.hreflang;
    button.formAction = link.href;
    button.hidden = true;
    form.appendChild(button);
    button.click();
    form.removeChild(button);
  });

  document.addEventListener("DOMContentLoaded", function () {
    if (document.querySelector("form[data-keeps-answers]")) { document.documentElement.classList.add("keeps-answers"); }
    var bar = document.querySelector("[data-comfort]");
    if (bar) {
      bar.hidden = false;
      var bigger = bar.querySelector("[data-bigger]");
      bigger.addEventListener("click", function () {
        var on = document.documentElement.classList.toggle("comfort-text");
        bigger.setAttribute("aria-pressed", on ? "true" : "false");
      });
    }
    var perQuestion = Array.prototype.slice.call(document.querySelectorAll("[data-speak]"));
    var page = Array.prototype.slice.call(document.querySelectorAll("[data-read-page]"));
    setUpReading(perQuestion.concat(page), function (button) {
      return button.closest("[data-question]") || document.getElementById("main");
    });
  });
}());
