// The live deal room, progressively enhanced: templates/deals/detail.html works with plain forms; this module
// sends the forms marked data-deal-form over the deal room's socket (live-socket.js) instead of loading a page,
// and when the server says something changed it fetches the parts concerned again from the deal page
// (?partial=, the same templates and access check as the page) and swaps them in. It also shows which business
// has the page open, and who is writing on which clause.

import { politeAnnouncer } from "./live-part.js";
import { liveSocket } from "./live-socket.js";

const connection = document.getElementById("deal-connection");
const labelsScript = document.getElementById("deal-labels");
if (connection && connection.dataset.wsPath && labelsScript) {
  const labels = JSON.parse(labelsScript.textContent);
  const ownSide = connection.dataset.side;
  const announce = politeAnnouncer();
  const NAMED = ["state", "parties", "summary", "final", "cancel"];
  // The page's named sections (deals.views.pages.SECTIONS) and their elements; each clause and field is one too.
  const ELEMENT_OF = {
    state: "deal-state", parties: "deal-parties", summary: "deal-summary", final: "final", cancel: "deal-cancel",
  };
  let online = [];
  const typingTimers = new Map(); // "clause:<key>" -> timer clearing its indicator
  const typingNow = new Set(); // the parts the other business is writing on, shown again after a swap
  const deferred = new Set(); // sections not replaced while someone was writing in them
  const quiet = new Map(); // section -> until when its change is one's own, already announced

  const fill = (text, values) => text.replace(/%\((\w+)\)s/g, (_m, name) => String(values[name] ?? ""));
  const partOf = (target) => document.querySelector(`.deal-part[data-target="${CSS.escape(target)}"]`);
  const elementOf = (name) => (NAMED.includes(name) ? document.getElementById(ELEMENT_OF[name]) : partOf(name));
  const allSections = () => [
    ...NAMED, ...[...document.querySelectorAll(".deal-part[data-target]")].map((part) => part.dataset.target),
  ];

  // Someone is writing in it: what they typed differs from what the server rendered.
  const isBusy = (element) => [...element.querySelectorAll("input:not([type=hidden]), textarea")]
    .some((field) => field.value !== field.defaultValue);

  // --- fetching parts again ------------------------------------------------------------------------------
  async function refresh(names) {
    const wanted = [...new Set(names)].filter((name) => {
      const element = elementOf(name);
      if (element && isBusy(element)) { deferred.add(name); return false; }
      return Boolean(element);
    });
    if (!wanted.length) return;
    const query = wanted.map((name) => `partial=${encodeURIComponent(name)}`).join("&");
    let html;
    try {
      const response = await fetch(`${connection.dataset.partialUrl}?${query}`, { credentials: "same-origin" });
      if (!response.ok) return; // a reload shows the page as it is (or says why not)
      html = await response.text();
    } catch { return; } // offline: the next change or the reconnect brings the page up to date
    const fresh = new DOMParser().parseFromString(html, "text/html");
    for (const name of wanted) {
      const element = elementOf(name);
      const replacement = NAMED.includes(name)
        ? fresh.getElementById(ELEMENT_OF[name])
        : fresh.querySelector(`.deal-part[data-target="${CSS.escape(name)}"]`);
      if (!element || !replacement) continue;
      if (isBusy(element)) { deferred.add(name); continue; } // they started writing while it was fetched
      swap(element, document.adoptNode(replacement));
    }
  }

  // Replace ``element`` by ``replacement``, keeping the keyboard user's place: the same control if it is still
  // there, otherwise the part's heading; and the forms that were open stay open.
  function swap(element, replacement) {
    const active = document.activeElement;
    const hadFocus = element.contains(active);
    const focusedId = hadFocus && active.id ? active.id : null;
    const openForms = [...element.querySelectorAll("details")].map((details) => details.open);
    replacement.querySelectorAll("details").forEach((details, index) => { if (openForms[index]) details.open = true; });
    element.replaceWith(replacement);
    applyPresence();
    applyTyping();
    if (!hadFocus) return;
    const again = focusedId ? document.getElementById(focusedId) : null;
    const landing = again || replacement.querySelector("h2, h3");
    if (!landing) return;
    if (!again && !landing.hasAttribute("tabindex")) landing.setAttribute("tabindex", "-1");
    landing.focus();
  }

  // A section left alone while someone wrote in it is fetched once they leave it (or sent what they wrote).
  document.addEventListener("focusout", () => {
    if (!deferred.size) return;
    window.setTimeout(() => {
      const waiting = [...deferred].filter((name) => {
        const element = elementOf(name);
        return element && !element.contains(document.activeElement);
      });
      waiting.forEach((name) => deferred.delete(name));
      if (waiting.length) refresh(waiting);
    }, 200);
  });

  // --- what the server says ------------------------------------------------------------------------------
  function sectionsFor(kind, data) {
    const target = typeof data.target === "string" ? [data.target] : [];
    if (kind === "proposal") return [...target, "summary"];
    if (kind === "comment") return target;
    if (kind === "version") return [...target, "summary", "state", "final", "parties"];
    if (kind === "final") return ["final"];
    return allSections(); // the deal's state or its businesses changed: everything may read differently
  }

  function announceChange(kind, data) {
    const name = typeof data.target === "string" ? data.target : kind;
    if ((quiet.get(name) || 0) > Date.now()) return; // one's own change: its confirmation was said already
    const part = partOf(name)?.dataset.label || "";
    const text = labels.changed[kind] || labels.changed.other;
    announce(fill(text, { part, number: data.number }));
  }

  function applyPresence() {
    for (const item of document.querySelectorAll("#deal-presence li[data-side]")) {
      const here = online.includes(item.dataset.side);
      item.dataset.online = here ? "1" : "0";
      const state = item.querySelector(".presence-state");
      if (state) state.textContent = ` — ${here ? labels.online : labels.away}`;
    }
  }

  function applyTyping() {
    for (const line of document.querySelectorAll(".deal-part[data-target] [data-typing]")) {
      line.textContent = typingNow.has(line.closest(".deal-part").dataset.target) ? labels.typing : "";
    }
  }

  function showTyping({ side, target, active }) {
    if (side === ownSide || typeof target !== "string") return;
    window.clearTimeout(typingTimers.get(target));
    if (active) typingNow.add(target); else typingNow.delete(target);
    // Nobody says they stopped if their page closed: the indicator goes by itself.
    if (active) typingTimers.set(target, window.setTimeout(() => { typingNow.delete(target); applyTyping(); }, 6000));
    applyTyping();
  }

  function handle(frame, { again }) {
    if (frame.type === "hello") {
      online = frame.online;
      applyPresence();
      // Away a while (a reconnect), or the text moved on since the page was rendered: read everything again.
      if (again || String(frame.version) !== connection.dataset.version) refresh(allSections());
    } else if (frame.type === "changed") {
      if (frame.kind === "version" && frame.data) connection.dataset.version = String(frame.data.number);
      announceChange(frame.kind, frame.data || {});
      refresh(sectionsFor(frame.kind, frame.data || {}));
    } else if (frame.type === "presence") {
      online = frame.online;
      applyPresence();
    } else if (frame.type === "typing") {
      showTyping(frame);
    }
  }

  // --- errors, next to the form that caused them ---------------------------------------------------------
  function showError(form, text) {
    let box = form ? form.previousElementSibling : null;
    if (!box || !box.classList.contains("room-error")) {
      box = document.createElement("div");
      box.className = "alert alert-error room-error";
      box.setAttribute("role", "alert");
      (form || connection).before(box);
    }
    box.textContent = `${labels.error} ${text}`;
  }

  function clearError(form) {
    const box = form.previousElementSibling;
    if (box && box.classList.contains("room-error")) box.remove();
  }

  const live = liveSocket({
    path: connection.dataset.wsPath,
    status: connection,
    labels,
    onFrame: handle,
    onError: (frame) => showError(null, frame.message),
    probeUrl: () => `${connection.dataset.partialUrl}?partial=state`,
  });

  // --- forms over the socket -----------------------------------------------------------------------------
  function frameFrom(form) {
    const data = new FormData(form);
    const kind = form.dataset.dealForm;
    const [targetKind, targetKey] = String(data.get("target") || "").split(":");
    const target = { target_kind: targetKind, target_key: targetKey || "" };
    if (kind === "propose") {
      const frame = {
        type: "proposal.make", ...target, base_version: Number(data.get("base_version")),
        action: data.get("action") || "change", note: data.get("note") || "",
      };
      const text = {};
      if (data.has("text_en")) text.en = data.get("text_en");
      if (data.has("text_zh_hant")) text["zh-hant"] = data.get("text_zh_hant");
      if (Object.keys(text).length) frame.text = text;
      if (data.has("value")) frame.value = data.get("value");
      return frame;
    }
    if (kind === "comment") return { type: "comment.post", ...target, body: data.get("body") || "" };
    if (["accept", "reject", "withdraw"].includes(kind)) {
      return { type: `proposal.${kind}`, proposal_id: Number(form.dataset.proposal) };
    }
    if (kind === "final") return { type: "final.mark", version: Number(data.get("version")) };
    if (kind === "unfinal") return { type: "final.unmark" };
    return null;
  }

  function sectionOf(form) {
    const part = form.closest(".deal-part[data-target]");
    if (part) return part.dataset.target;
    return NAMED.find((name) => document.getElementById(ELEMENT_OF[name])?.contains(form)) || "";
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.dealForm) return;
    const frame = frameFrom(form);
    if (!frame) return;
    const kind = form.dataset.dealForm;
    const button = form.querySelector("[type=submit]");
    const sent = live.request(frame, {
      onAck: () => {
        if (button) button.disabled = false;
        clearError(form);
        // Its part is fetched again when the change comes back: the form closes, holding nothing unsent.
        quiet.set(sectionOf(form), Date.now() + 5000);
        form.reset();
        const details = form.closest("details");
        if (details) {
          details.open = false;
          details.querySelector("summary")?.focus(); // not lost with the form it hid
        }
        announce(labels.done[kind] || "");
        stopTyping();
      },
      onError: (error) => { if (button) button.disabled = false; showError(form, error.message); },
      onLost: () => { if (button) button.disabled = false; showError(form, labels.lost); },
    });
    if (!sent) return; // not connected: the plain form posts as it would without this module
    event.preventDefault();
    if (button) button.disabled = true; // one click, one request
  });

  // --- typing, per clause or field -----------------------------------------------------------------------
  let typingTarget = null;
  let typingSentAt = 0;
  let idleTimer = null;

  // Sent, or idle a while: the other page stops saying so, and the next keystroke says so again at once.
  function stopTyping() {
    window.clearTimeout(idleTimer);
    if (typingTarget) live.send({ type: "typing", target: typingTarget, active: false });
    typingTarget = null;
  }

  document.addEventListener("input", (event) => {
    const form = event.target.closest?.("form[data-deal-form]");
    const part = form?.closest(".deal-part[data-target]");
    if (!part) return;
    const target = part.dataset.target;
    const now = Date.now();
    if (target !== typingTarget || now - typingSentAt > 3000) {
      typingTarget = target;
      typingSentAt = now;
      live.send({ type: "typing", target, active: true });
    }
    window.clearTimeout(idleTimer);
    idleTimer = window.setTimeout(stopTyping, 4000);
  });
}
