// Ringdesk hub console: the only script. Copy buttons (shown only where the clipboard works);
// every page works without it.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("button.copy-button")) {
    const field = document.getElementById(button.dataset.copy);
    if (!field || !navigator.clipboard) continue;
    button.hidden = false;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(field.value);
        button.textContent = button.dataset.done;
      } catch (e) {
        field.select();
      }
    });
  }
  for (const field of document.querySelectorAll("input.secret[readonly]"))
    field.addEventListener("focus", () => field.select());
});
