/**
 * Language switcher (progressive enhancement).
 *
 * The form in base.html works without JavaScript: pick a language and press
 * the visible "Change language" button.
 *
 * By default this module does NOT submit the form when the selection
 * changes: keyboard users arrow through a <select> and each arrow key fires
 * "change" in several browsers, and an unexpected page reload fails
 * WCAG 2.1 SC 3.2.2 (On Input). Instead it highlights the button once the
 * choice differs from the current language.
 *
 * Opt in to auto-submit with <form data-language-form data-autosubmit>.
 * Even then, a change made from the keyboard never submits by itself.
 */

function enhance(form) {
  const select = form.querySelector('select[name="language"]');
  const button = form.querySelector('button[type="submit"]');
  if (!select) {
    return;
  }
  const initial = select.value;
  let keyboardInput = false;

  select.addEventListener("keydown", () => {
    keyboardInput = true;
  });
  select.addEventListener("pointerdown", () => {
    keyboardInput = false;
  });

  select.addEventListener("change", () => {
    const changed = select.value !== initial;
    if (button) {
      button.classList.toggle("is-pending", changed);
    }
    if (changed && "autosubmit" in form.dataset && !keyboardInput) {
      if (typeof form.requestSubmit === "function") {
        form.requestSubmit(button || undefined);
      } else {
        form.submit();
      }
    }
  });
}

for (const form of document.querySelectorAll("form[data-language-form]")) {
  enhance(form);
}
