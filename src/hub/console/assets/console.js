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
  // The kind of a PBX or CRM: its fields come with the page, so choosing one asks for it at once.
  for (const select of document.querySelectorAll("select#kind")) {
    const button = select.form && select.form.querySelector("button.kind-switch");
    if (!button || !select.form.requestSubmit) continue;
    select.addEventListener("change", () => select.form.requestSubmit(button));
  }
  for (const field of document.querySelectorAll("input.secret[readonly]"))
    field.addEventListener("focus", () => field.select());
});
