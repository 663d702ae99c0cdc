// The one live socket of the room pages (the negotiation room, the mediation video room, the deal page), for
// their servers' one websocket base (odr/sockets.py). It connects, says in the page's status line how the
// connection stands (data-state and words: connecting, live, reconnecting, offline), reconnects with backoff
// after any gap, catches up after a reconnect, keeps the connection alive with pings, and routes the server's
// one error frame ({type: "error", code, message, ref}) to the request it answers.
//
//   const live = liveSocket({
//     path,                       // the socket's path, e.g. /ws/cases/<id>/negotiation/
//     status, labels,             // the status element; {connecting, live, reconnecting, offline} words for it
//     onFrame(frame, { again }),  // every frame that answers no request; for "hello", again: after a reconnect
//     onError(frame),             // an error frame that answers no request of this page
//     catchUp: () => lastId,      // optional: the newest id the page holds; each socket opens with ?after_id=
//     onDown(),                   // optional: the socket is gone (before reconnecting, or stopping)
//     onRefused(),                // optional: the server refused the page for good (signed out, no access)
//     refusedCodes, probeUrl,     // closes that stop the page; the page asked when a handshake fails
//     pingEvery,                  // milliseconds between pings
//   });
//   live.send(frame)                        -> true if it went (the socket was open)
//   live.send(frame, { quiet: true })       -> its error frames are not for people to read (signaling)
//   live.request(frame, { onAck, onError, onLost }) -> a ref, or null if the socket was not open: the server
//                                              acks it or answers with an error; onLost if the socket drops first
//   live.isOpen(), live.stop(text)          -> stop for good, saying ``text`` (or labels.offline)
//
// The server says "live" by sending its hello: a socket accepted and closed at once (the server cannot reach
// Redis yet, 4503) keeps the page saying "reconnecting", and backing off.

export function liveSocket({
  path,
  status,
  labels,
  onFrame,
  onError = () => {},
  catchUp = null,
  onDown = () => {},
  onRefused = () => {},
  refusedCodes = [4401, 4404],
  probeUrl = () => window.location.href,
  pingEvery = 30000,
}) {
  let socket = null;
  let attempts = 0;
  let everConnected = false;
  let stopped = false;
  let refCounter = 0;
  const pending = new Map(); // ref -> {onAck, onError, onLost}

  const setStatus = (state, text) => {
    status.dataset.state = state;
    status.textContent = text;
  };

  const isOpen = () => Boolean(socket && socket.readyState === WebSocket.OPEN);

  function send(frame, { quiet = false } = {}) {
    if (!isOpen()) return false;
    if (quiet) {
      refCounter += 1;
      frame = { ...frame, ref: `q${refCounter}` };
    }
    socket.send(JSON.stringify(frame));
    return true;
  }

  function request(frame, handlers = {}) {
    refCounter += 1;
    const ref = `r${refCounter}`;
    if (!send({ ...frame, ref })) return null;
    pending.set(ref, handlers);
    return ref;
  }

  function handle(frame) {
    const waiting = typeof frame.ref === "string" ? pending.get(frame.ref) : undefined;
    if (frame.type === "ack") {
      if (waiting) { pending.delete(frame.ref); waiting.onAck?.(frame); }
      return;
    }
    if (frame.type === "error") {
      if (typeof frame.ref === "string" && frame.ref.startsWith("q")) {
        console.debug("live socket: refused", frame.code, frame.message);
      } else if (waiting) {
        pending.delete(frame.ref);
        (waiting.onError || onError)(frame);
      } else {
        onError(frame);
      }
      return;
    }
    if (frame.type === "hello") {
      const again = everConnected;
      everConnected = true;
      attempts = 0;
      setStatus("live", labels.live);
      onFrame(frame, { again });
      return;
    }
    onFrame(frame, { again: false });
  }

  async function refused(event, opened) {
    if (refusedCodes.includes(event.code)) return true;
    if (opened) return false;
    // A refused handshake looks like any network failure (1006): ask the page itself.
    try {
      const probe = await fetch(probeUrl(), { credentials: "same-origin", redirect: "manual" });
      return probe.status === 404 || probe.type === "opaqueredirect";
    } catch {
      return false; // offline: keep trying
    }
  }

  function connect() {
    if (stopped) return;
    setStatus("connecting", everConnected ? labels.reconnecting : labels.connecting);
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    const query = catchUp ? `?after_id=${catchUp()}` : "";
    const current = new WebSocket(`${scheme}://${window.location.host}${path}${query}`);
    socket = current;
    let opened = false;
    current.addEventListener("open", () => { opened = true; });
    current.addEventListener("message", (event) => {
      if (socket !== current) return;
      let frame;
      try { frame = JSON.parse(event.data); } catch { return; } // a malformed frame is ignored
      handle(frame);
    });
    current.addEventListener("close", async (event) => {
      if (socket !== current) return; // an older socket closing late must not touch the live one
      socket = null;
      const lost = [...pending.values()];
      pending.clear();
      for (const handlers of lost) handlers.onLost?.();
      onDown();
      if (stopped) return;
      if (await refused(event, opened)) {
        stopped = true;
        setStatus("offline", labels.offline);
        onRefused();
        return;
      }
      attempts += 1;
      const delay = Math.min(30000, 500 * 2 ** attempts) * (0.75 + Math.random() / 2);
      setStatus("reconnecting", labels.reconnecting);
      window.setTimeout(connect, delay);
    });
  }

  function stop(text) {
    stopped = true;
    setStatus("offline", text || labels.offline);
    if (socket) socket.close(1000);
  }

  window.setInterval(() => send({ type: "ping" }), pingEvery);
  connect();
  return { send, request, isOpen, stop };
}
