// The agreement page, progressively enhanced: without this module a reload shows the current state. With it,
// the page listens to the case's room (the negotiation room's socket, as static/js/negotiation.js does) and,
// when the room says a signed document changed (the other party signed, a new version, its PDF is ready, the
// sealed copy is made), fetches its own live part again from the server, which decides what it shows.

import { liveRefresher, politeAnnouncer } from "./live-part.js";

const root = document.getElementById("agreement-live");
if (root && root.dataset.wsPath) {
  // The page shows no messages: it says it already holds them all, so the room sends none.
  const HOLDS_EVERY_MESSAGE = "9223372036854775807";
  let socket = null;
  let attempts = 0;
  let everConnected = false;
  let stopped = false;

  const announce = politeAnnouncer();
  // Never wipe what the person has started to type or tick (a password, say): refresh once they leave the form.
  const userIsTyping = () => [...root.querySelectorAll("input:not([type=hidden]), textarea")].some((field) =>
    (field.type === "checkbox" ? field.checked !== field.defaultChecked : field.value !== field.defaultValue));
  const refresh = liveRefresher(root, () => root.dataset.partialUrl, {
    isBusy: userIsTyping,
    onReplaced: () => announce(root.dataset.updated),
  });

  function handle(frame) {
    if (frame.type === "hello") {
      if (everConnected) refresh(); // whatever changed while the connection was away
      everConnected = true;
      attempts = 0;
    } else if (frame.type === "document" || frame.type === "case_status") {
      refresh();
    }
  }

  function connect() {
    if (stopped) return;
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    const current = new WebSocket(`${scheme}://${window.location.host}${root.dataset.wsPath}?after_id=${HOLDS_EVERY_MESSAGE}`);
    socket = current;
    current.addEventListener("message", (event) => {
      try { handle(JSON.parse(event.data)); } catch { /* ignore a malformed frame */ }
    });
    current.addEventListener("close", (event) => {
      if (socket !== current) return;
      socket = null;
      if (event.code === 4401 || event.code === 4404) { stopped = true; return; } // no room for this viewer
      attempts += 1;
      window.setTimeout(connect, Math.min(30000, 500 * 2 ** attempts) * (0.75 + Math.random() / 2));
    });
  }

  window.setInterval(() => {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "ping" }));
  }, 30000);
  connect();
}
