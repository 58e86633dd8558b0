/* Comfort on the respondent screens: larger, high-contrast text, and reading the screen aloud
   with the browser's own speech synthesis (nothing leaves the device). The read-aloud button
   appears only when the device has a voice for the page's language. */
(function () {
  "use strict";

  function voiceFor(lang) {
    var voices = window.speechSynthesis.getVoices();
    for (var i = 0; i < voices.length; i++) {
      if ((voices[i].lang || "").toLowerCase().split(/[-_]/)[0] === lang) { return voices[i]; }
    }
    return null;
  }

  function textOnScreen() {
    // The kiosk's current question, or what the page shows; never hidden text.
    var root = document.querySelector(".step.current") ||
      (document.getElementById("start") && !document.getElementById("start").hidden && document.getElementById("start")) ||
      document.getElementById("main");
    return root.innerText;
  }

  function setUpReading(button) {
    if (!("speechSynthesis" in window) || !window.SpeechSynthesisUtterance) { return; }
    var lang = document.documentElement.lang.toLowerCase().split(/[-_]/)[0];
    var synth = window.speechSynthesis;
    function update() { button.hidden = voiceFor(lang) === null; }
    update();
    if (synth.addEventListener) { synth.addEventListener("voiceschanged", update); }
    button.addEventListener("click", function () {
      if (synth.speaking) {
        synth.cancel();
        button.setAttribute("aria-pressed", "false");
        return;
      }
      var voice = voiceFor(lang);
      if (!voice) { return; }
      var utterance = new window.SpeechSynthesisUtterance(textOnScreen());
      utterance.lang = voice.lang;
      try { utterance.voice = voice; } catch (ignored) { /* the language alone picks a voice */ }
      utterance.onend = utterance.onerror = function () { button.setAttribute("aria-pressed", "false"); };
      button.setAttribute("aria-pressed", "true");
      synth.speak(utterance);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var bar = document.querySelector("[data-comfort]");
    if (!bar) { return; }
    bar.hidden = false;
    var bigger = bar.querySelector("[data-bigger]");
    bigger.addEventListener("click", function () {
      var on = document.documentElement.classList.toggle("comfort-text");
      bigger.setAttribute("aria-pressed", on ? "true" : "false");
    });
    setUpReading(bar.querySelector("[data-read-aloud]"));
  });
}());
