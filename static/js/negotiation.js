// The negotiation room, progressively enhanced: the page works with plain forms; this module adds
// live messages, presence, typing, and sends the same actions over the websocket (live-socket.js). After any
// gap the socket reconnects with backoff and asks the server for everything after the last message the page
// holds (the server sends each message to a socket once, so nothing needs to be dropped as a duplicate here).

import { liveRefresher, politeAnnouncer } from "./live-part.js";
import { liveSocket } from "./live-socket.js";

const room = document.getElementById("room");
if (room) {
  const labels = JSON.parse(document.getElementById("room-labels").textContent);
  const ownRole = room.dataset.ownRole;
  const list = document.getElementById("message-list");
  const panels = document.getElementById("panels");
  const connection = document.getElementById("room-connection");
  const typingLine = document.getElementById("typing");
  const olderButton = document.getElementById("load-older");
  const messageForm = document.getElementById("message-form");

  const seen = new Set();
  let lastId = 0;
  for (const item of list.querySelectorAll("li[data-id]")) {
    const id = Number(item.dataset.id);
    seen.add(id);
    lastId = Math.max(lastId, id);
  }

  // A polite live region for events that are not messages (offers, bids, settlement).
  const announce = politeAnnouncer();

  const roleLabel = (role) => (role === ownRole ? labels.you : labels[role] || "");

  // As the server writes SHORT_DATETIME_FORMAT (odr/formats): 25 Nov 2026, 15:05 / 2026年11月25日 15:05, in the
  // page's time zone (Hong Kong unless the visitor chose another).
  const locale = (document.documentElement.lang || "en").startsWith("zh") ? "zh-HK" : "en-GB";
  const timeFormat = new Intl.DateTimeFormat(locale, {
    year: "numeric", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    timeZone: document.documentElement.dataset.timeZone || "Asia/Hong_Kong",
  });

  function renderMessage(message) {
    const item = document.createElement("li");
    item.className = `message message-${message.sender_role}` + (message.sender_role === ownRole ? " message-own" : "");
    item.dataset.id = String(message.id);
    const meta = document.createElement("p");
    meta.className = "message-meta";
    const sender = document.createElement("span");
    sender.className = "message-sender";
    sender.textContent = roleLabel(message.sender_role);
    const time = document.createElement("time");
    time.dateTime = message.created_at;
    time.textContent = timeFormat.format(new Date(message.created_at));
    meta.append(sender, " ", time);
    const body = document.createElement("p");
    body.className = "message-body";
    body.textContent = message.body; // never innerHTML: the text is the other party's
    item.append(meta, body);
    if (message.document) {
      const doc = document.createElement("p");
      doc.className = "message-document";
      doc.textContent = `${labels.refers_to} ${message.document.title}`;
      item.append(doc);
    }
    return item;
  }

  function addMessages(messages, { prepend = false } = {}) {
    const fresh = messages.filter((m) => !seen.has(m.id));
    if (!fresh.length) return;
    document.getElementById("no-messages")?.remove();
    for (const message of fresh.sort((a, b) => a.id - b.id)) {
      seen.add(message.id);
      lastId = Math.max(lastId, message.id);
      // Keep id order whatever order frames arrive in (after a gap, "hello" brings the newest first).
      const node = renderMessage(message);
      const later = [...list.querySelectorAll("li[data-id]")].find((li) => Number(li.dataset.id) > message.id);
      if (later) list.insertBefore(node, later); else list.append(node);
    }
    if (!prepend) markRead();
  }

  let readTimer = null;
  function markRead() {
    if (document.visibilityState !== "visible" || readTimer) return;
    readTimer = window.setTimeout(() => { readTimer = null; live.send({ type: "read", up_to: lastId }); }, 1500);
  }
  document.addEventListener("visibilitychange", markRead);

  // Never wipe a half-typed offer or figure: the panels refresh once the field is left or the form sent.
  const userIsTyping = () => [...panels.querySelectorAll("input:not([type=hidden]), textarea")]
    .some((field) => field.value && field.value.trim() !== "");
  const refreshPanels = liveRefresher(panels, () => room.dataset.panelsUrl, { isBusy: userIsTyping, headings: "h2, h3" });

  function showError(form, text) {
    const target = form || messageForm || panels;
    let box = target.querySelector(".room-error");
    if (!box) {
      box = document.createElement("div");
      box.className = "alert alert-error room-error";
      box.setAttribute("role", "alert");
      target.prepend(box);
    }
    box.textContent = `${labels.error} ${text}`;
  }

  function clearError(form) { form?.querySelector(".room-error")?.remove(); }

  let typingTimer = null;
  function handle(frame, { again }) {
    switch (frame.type) {
      case "hello": {
        // The socket was opened with ?after_id=<the newest message held>: "hello" brings what came after
        // it (at most a page; "sync" fetches the rest).
        addMessages(frame.messages);
        updatePresence(frame.state.online);
        if (frame.has_more && frame.after_id !== undefined) live.send({ type: "sync", after_id: lastId });
        if (again) refreshPanels();
        break;
      }
      case "message":
        addMessages([frame.message]);
        break;
      case "history":
        addMessages(frame.messages, { prepend: true });
        if (olderButton) olderButton.hidden = !frame.has_more;
        break;
      case "sync":
        addMessages(frame.messages);
        if (frame.has_more) live.send({ type: "sync", after_id: lastId });
        updatePresence(frame.state.online);
        refreshPanels();
        break;
      case "offer":
        if (frame.offer.maker_role !== ownRole && frame.offer.status === "open") announce(`${labels[frame.offer.maker_role]}: HK$${frame.offer.amount}`);
        refreshPanels();
        break;
      case "bid":
      case "case_status":
        refreshPanels();
        if (frame.type === "case_status" && frame.case.status !== "negotiation") endNegotiation(frame.case.status);
        break;
      case "presence":
        updatePresence(frame.online);
        break;
      case "notice":
        if (frame.data && frame.data.code === "deadline_near") announce(labels.deadline_near);
        refreshPanels();
        break;
      case "typing":
        typingLine.textContent = frame.active ? labels.typing.replace("%(who)s", labels[frame.role] || "") : "";
        window.clearTimeout(typingTimer);
        typingTimer = window.setTimeout(() => { typingLine.textContent = ""; }, 5000);
        break;
      default:
        break;
    }
  }

  function endNegotiation(status) {
    const badge = document.querySelector(".page-header .badge");
    if (badge) {
      badge.className = `badge badge-${status}`;
      badge.textContent = labels.statuses[status] || status;
    }
    if (messageForm) messageForm.hidden = true;
    announce(labels.ended);
  }

  function updatePresence(online) {
    for (const item of document.querySelectorAll("#presence li[data-role]")) {
      const isOnline = online.includes(item.dataset.role);
      item.dataset.online = isOnline ? "1" : "0";
      item.querySelector(".presence-state").textContent = isOnline ? labels.online : labels.offline;
    }
  }

  const live = liveSocket({
    path: room.dataset.wsPath,
    status: connection,
    labels: { ...labels, offline: labels.offline_notice },
    catchUp: () => lastId,
    onFrame: handle,
    onError: (frame) => showError(null, frame.message),
    probeUrl: () => room.dataset.panelsUrl,
  });

  // Forms: over the socket when it is open, as ordinary form posts otherwise.
  function frameFrom(form) {
    const data = new FormData(form);
    const frame = { type: form.dataset.socket };
    for (const [key, value] of data.entries()) {
      if (key === "csrfmiddlewaretoken") continue;
      frame[key] = key === "offer_id" ? Number(value) : value;
    }
    return frame;
  }

  function submitOverSocket(event, form, frame) {
    const sent = live.request(frame, {
      onAck: () => { clearError(form); form.reset(); },
      onError: (error) => showError(form, error.message),
      onLost: () => showError(form, labels.lost),
    });
    if (sent) event.preventDefault();
  }

  messageForm?.addEventListener("submit", (event) => {
    const body = messageForm.querySelector("textarea").value;
    const documentId = messageForm.querySelector("select")?.value || null;
    submitOverSocket(event, messageForm, { type: "message.send", body, document_id: documentId });
  });

  panels.addEventListener("submit", (event) => {
    const form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.socket) submitOverSocket(event, form, frameFrom(form));
  });

  let typingSentAt = 0;
  let idleTimer = null;
  messageForm?.querySelector("textarea").addEventListener("input", () => {
    const now = Date.now();
    if (now - typingSentAt > 3000) { typingSentAt = now; live.send({ type: "typing", active: true }); }
    window.clearTimeout(idleTimer);
    idleTimer = window.setTimeout(() => { typingSentAt = 0; live.send({ type: "typing", active: false }); }, 4000);
  });
  // Enter sends, Shift+Enter adds a line (the button still works for everyone).
  messageForm?.querySelector("textarea").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      messageForm.requestSubmit();
    }
  });

  olderButton?.addEventListener("click", () => {
    const first = list.querySelector("li[data-id]");
    if (first) live.send({ type: "history", before_id: Number(first.dataset.id) });
  });
}
