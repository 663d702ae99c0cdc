// What the live pages share: a polite live region, and a part of a page that fetches itself again from the
// server (which decides what it shows) when a room event says it changed.

// A visually hidden polite live region; returns the function that says something in it.
export function politeAnnouncer() {
  const announcer = document.createElement("p");
  announcer.className = "visually-hidden";
  announcer.setAttribute("aria-live", "polite");
  document.body.append(announcer);
  return (text) => {
    announcer.textContent = "";
    window.setTimeout(() => { announcer.textContent = text; }, 50);
  };
}

// Returns ``refresh()``: replace ``container``'s content with what ``url()`` answers. Never while ``isBusy()``
// (half-typed input would be wiped): then once focus leaves the container. Focus stays where the keyboard user
// was: on the same control if it is still there, otherwise on the container's first ``headings``, never lost to
// the page's start. ``onReplaced`` runs after each replacement.
export function liveRefresher(container, url, { isBusy, headings = "h2", onReplaced = () => {} }) {
  let seq = 0;
  let deferred = false;

  function keepPlace(focusedId) {
    const again = focusedId ? document.getElementById(focusedId) : null;
    const landing = again || container.querySelector(headings);
    if (!landing) return;
    if (!again && !landing.hasAttribute("tabindex")) landing.setAttribute("tabindex", "-1");
    landing.focus();
  }

  async function refresh() {
    if (isBusy()) { deferred = true; return; }
    deferred = false;
    const mine = ++seq;
    const hadFocus = Boolean(document.activeElement && container.contains(document.activeElement));
    const focusedId = hadFocus ? document.activeElement.id : null;
    try {
      const response = await fetch(url(), { credentials: "same-origin" });
      if (!response.ok || mine !== seq) return; // a newer refresh is on its way
      container.innerHTML = await response.text();
      if (hadFocus) keepPlace(focusedId);
      onReplaced();
    } catch { /* the next event or a reload brings the part up to date */ }
  }

  container.addEventListener("focusout", () => { if (deferred) window.setTimeout(refresh, 200); });
  return refresh;
}
