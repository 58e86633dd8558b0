// Staff pages: a "copy" button beside a link to hand over (the Team page's invitation). Without
// this file the link is still on the page as text to select; the button shows only where it works.
"use strict";
document.querySelectorAll("[data-copy]").forEach((button) => {
  const source = document.getElementById(button.dataset.copy);
  const status = button.parentElement.querySelector(".copy-status");
  button.hidden = false;
  button.addEventListener("click", async () => {
    const text = source.textContent.trim();
    try {
      await navigator.clipboard.writeText(text); // only on https or localhost
      status.textContent = button.dataset.copied;
    } catch (error) {
      // No clipboard here (plain http on the centre's network, an old browser): select the link so
      // that Ctrl+C or a long press copies it, and try the old copy command on the selection.
      const range = document.createRange();
      range.selectNodeContents(source);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      let copied = false;
      try { copied = document.execCommand("copy"); } catch (ignored) { copied = false; }
      status.textContent = copied ? button.dataset.copied : button.dataset.selected;
    }
  });
});
