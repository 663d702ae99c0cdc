// The mediation video room: a full mesh of WebRTC peer connections (one per other person in the same
// room), signalled over /ws/mediation/<session>/ (protocol: mediation/consumers.py). The server decides
// who is in which room (waiting, joint, a private caucus) and relays signaling only within a room; this
// module follows what the server says: it builds connections for the members it lists and drops the
// rest, and on "moved" it tears everything down and rebuilds for the new room.
//
// Negotiation: the peer whose id sorts lower makes the offer; the other adds its media once the offer
// is in, so each pair shares one audio and one video transceiver. Later renegotiation (sharing a
// screen without a camera, an ICE restart) uses the "perfect negotiation" pattern: the higher id is
// polite and yields on glare. Every string shown comes from the page (#mediation-strings).
//
// The socket (connecting, reconnecting with backoff, the status line, error frames) is live-socket.js's;
// after a reconnect the server's hello rebuilds the room from scratch, as a new peer.

import { politeAnnouncer } from "./live-part.js";
import { liveSocket } from "./live-socket.js";

const root = document.getElementById("mediation-room");
if (root) {
  const strings = {};
  for (const node of document.querySelectorAll("#mediation-strings [data-string]")) {
    strings[node.dataset.string] = node.textContent.trim();
  }
  const fill = (text, name) => (text || "").replace("{name}", name);
  const ownRole = root.dataset.ownRole;
  const isMediator = ownRole === "mediator";
  const byId = (id) => document.getElementById(id);

  const ui = {
    connection: byId("mediation-connection"),
    indicator: byId("room-indicator"),
    waitingNotice: byId("waiting-notice"),
    mediaError: byId("media-error"),
    roomError: byId("room-error"),
    roomErrorText: byId("room-error-text"),
    ended: byId("room-ended"),
    endedText: byId("room-ended-text"),
    grid: byId("video-grid"),
    ownVideo: byId("own-video"),
    camera: byId("toggle-camera"),
    microphone: byId("toggle-microphone"),
    screen: byId("toggle-screen"),
    sound: byId("enable-sound"),
    leave: byId("leave-room"),
    waitingList: byId("waiting-list"),
    waitingEmpty: byId("waiting-empty"),
    caucusStart: [...document.querySelectorAll("[data-caucus]")],
    caucusEnd: byId("caucus-end"),
    chatLog: byId("chat-log"),
    chatScroll: byId("chat-scroll"),
    chatEmpty: byId("chat-empty"),
    chatForm: byId("chat-form"),
    chatFieldset: byId("chat-fieldset"),
    chatInput: byId("chat-input"),
    chatNote: byId("chat-note"),
  };
  const notConnectedText = ui.indicator.textContent;

  // ---- state ---------------------------------------------------------------------------------------
  // caucus: the caucus in progress ("caucus-claimant" / "caucus-respondent"), as the server last said, or null.
  const state = { peer: "", room: "", caucus: null, members: [] };
  const entries = new Map(); // peer id -> {peer, pc, role, name, tile, video, quality, ...}
  let iceServers = [];
  let localStream = null;
  let screenTrack = null;
  let stopped = false; // left, or the session ended: media stays off
  let caucusOpenElsewhere = false; // the server says a caucus is open that we are not in
  const seenChat = new Set();

  // A polite live region for arrivals and departures (the room indicator announces room changes).
  const announce = politeAnnouncer();

  const roleLabel = (role) => strings[`role_${role}`] || role;
  function showError(text) {
    ui.roomErrorText.textContent = text;
    ui.roomError.hidden = false;
  }
  const clearError = () => { ui.roomError.hidden = true; };

  // ---- local media ---------------------------------------------------------------------------------
  function setToggle(button, on) {
    button.setAttribute("aria-pressed", on ? "true" : "false");
    const label = button.querySelector(".toggle-state");
    if (label) label.textContent = on ? label.dataset.on : label.dataset.off;
  }

  async function openMedia() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      ui.mediaError.hidden = false;
      return;
    }
    // Both, else whichever one works, else none: the session goes on without our media.
    for (const constraints of [{ audio: true, video: true }, { audio: true }, { video: true }]) {
      try {
        localStream = await navigator.mediaDevices.getUserMedia(constraints);
        break;
      } catch { /* try the next */ }
    }
    const hasVideo = Boolean(localStream && localStream.getVideoTracks().length);
    const hasAudio = Boolean(localStream && localStream.getAudioTracks().length);
    if (!hasVideo || !hasAudio) ui.mediaError.hidden = false;
    if (localStream) ui.ownVideo.srcObject = localStream;
    ui.camera.disabled = !hasVideo;
    ui.microphone.disabled = !hasAudio;
    setToggle(ui.camera, hasVideo);
    setToggle(ui.microphone, hasAudio);
    if (stopped) stopLocalMedia(); // left while the browser was asking
  }
  const mediaReady = openMedia();

  function stopLocalMedia() {
    for (const track of localStream ? localStream.getTracks() : []) track.stop();
    if (screenTrack) screenTrack.stop();
  }

  function outgoing(kind) {
    if (kind === "video" && screenTrack) return screenTrack;
    const tracks = localStream ? (kind === "video" ? localStream.getVideoTracks() : localStream.getAudioTracks()) : [];
    return tracks[0] || null;
  }

  ui.camera.addEventListener("click", () => {
    const on = ui.camera.getAttribute("aria-pressed") !== "true";
    for (const track of localStream ? localStream.getVideoTracks() : []) track.enabled = on;
    setToggle(ui.camera, on);
  });
  ui.microphone.addEventListener("click", () => {
    const on = ui.microphone.getAttribute("aria-pressed") !== "true";
    for (const track of localStream ? localStream.getAudioTracks() : []) track.enabled = on;
    setToggle(ui.microphone, on);
  });

  if (navigator.mediaDevices && typeof navigator.mediaDevices.getDisplayMedia === "function") {
    ui.screen.hidden = false;
    ui.screen.addEventListener("click", async () => {
      if (screenTrack) { stopScreen(); return; }
      let track = null;
      try {
        const stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
        track = stream.getVideoTracks()[0] || null;
      } catch (error) {
        if (error && error.name !== "NotAllowedError" && error.name !== "AbortError") showError(strings.screen_failed);
        return;
      }
      if (!track) return;
      screenTrack = track;
      track.addEventListener("ended", stopScreen);
      for (const entry of entries.values()) if (entry.attached) sendVideo(entry, track);
      ui.ownVideo.srcObject = new MediaStream([track]);
      ui.ownVideo.dataset.source = "screen";
      setToggle(ui.screen, true);
    });
  }

  function stopScreen() {
    if (!screenTrack) return;
    screenTrack.stop();
    screenTrack = null;
    const camera = outgoing("video");
    for (const entry of entries.values()) if (entry.attached) sendVideo(entry, camera);
    ui.ownVideo.srcObject = localStream;
    delete ui.ownVideo.dataset.source;
    setToggle(ui.screen, false);
  }

  // Send ``track`` (or nothing) on the connection's video transceiver; renegotiates only when the
  // transceiver was receive-only so far (no camera, now a screen).
  function sendVideo(entry, track) {
    const transceiver = entry.pc.getTransceivers().find((t) => !t.stopped && t.receiver.track.kind === "video");
    if (!transceiver) {
      if (track) entry.pc.addTrack(track);
      return;
    }
    transceiver.sender.replaceTrack(track).catch(() => {});
    if (track && transceiver.direction === "recvonly") transceiver.direction = "sendrecv";
  }

  // ---- remote tiles --------------------------------------------------------------------------------
  function makeTile(peer) {
    const tile = document.createElement("li");
    tile.className = "video-tile";
    tile.dataset.peer = peer;
    const figure = document.createElement("figure");
    const video = document.createElement("video");
    video.autoplay = true;
    video.playsInline = true;
    video.dataset.peer = peer;
    const caption = document.createElement("figcaption");
    caption.className = "video-label";
    const name = document.createElement("span");
    name.className = "video-name";
    const role = document.createElement("span");
    role.className = "video-role";
    caption.append(name, " ", role);
    const quality = document.createElement("p");
    quality.className = "video-quality";
    quality.dataset.quality = "connecting";
    quality.textContent = strings.quality_connecting;
    figure.append(video, caption, quality);
    tile.append(figure);
    ui.grid.append(tile);
    return { tile, video, name, role, quality };
  }

  function label(entry, role, name) {
    entry.role = role || entry.role || "";
    entry.name = name || entry.name || "";
    entry.video.dataset.role = entry.role;
    entry.tile.dataset.role = entry.role;
    entry.nameNode.textContent = entry.name;
    entry.roleNode.textContent = entry.role ? `(${roleLabel(entry.role)})` : "";
    entry.video.setAttribute("aria-label", fill(strings.video_of, entry.name));
  }

  function setQuality(entry, level) {
    if (entry.quality.dataset.quality === level) return;
    entry.quality.dataset.quality = level;
    entry.quality.textContent = strings[`quality_${level}`] || "";
  }

  function play(video) {
    const started = video.play();
    if (started && typeof started.catch === "function") {
      started.catch((error) => { if (error && error.name === "NotAllowedError") ui.sound.hidden = false; });
    }
  }
  ui.sound.addEventListener("click", () => {
    ui.sound.hidden = true;
    for (const entry of entries.values()) play(entry.video);
  });

  // ---- peer connections ----------------------------------------------------------------------------
  const sessionOf = (sdp) => { const match = /^o=\S+ (\d+)/m.exec(sdp || ""); return match ? match[1] : ""; };

  function sendSignal(peer, data) {
    // Signaling's errors (a candidate that trails a room change) are not for people to read.
    return live.send({ type: "signal", to: peer, data }, { quiet: true });
  }

  // ``listed``: named by the server's member list (else started by the peer's offer, which brings our
  // media on with the answer).
  function addPeer(peer, { listed }) {
    const nodes = makeTile(peer);
    const entry = {
      peer,
      role: "",
      name: "",
      tile: nodes.tile,
      video: nodes.video,
      nameNode: nodes.name,
      roleNode: nodes.role,
      quality: nodes.quality,
      offerer: state.peer < peer, // the lower id makes the offer...
      polite: state.peer > peer, // ...and the higher id yields on glare
      listed,
      createdAt: Date.now(),
      chain: Promise.resolve(),
      closed: false,
    };
    entries.set(peer, entry);
    openConnection(entry);
    if (!listed) return entry;
    if (entry.offerer) {
      mediaReady.then(() => attach(entry));
    } else {
      // Normally the offer comes at once; if it does not (the other side missed us), offer ourselves.
      entry.watchdog = window.setTimeout(() => {
        if (!entry.closed && !entry.pc.remoteDescription) mediaReady.then(() => attach(entry));
      }, 6000);
    }
    return entry;
  }

  function openConnection(entry) {
    if (entry.pc) entry.pc.close();
    const pc = new RTCPeerConnection({ iceServers });
    Object.assign(entry, {
      pc, makingOffer: false, ignoreOffer: false, attached: false, remoteSession: "",
      stream: new MediaStream(), statsLost: 0, statsReceived: 0,
    });
    entry.video.srcObject = null;
    setQuality(entry, "connecting");

    pc.addEventListener("negotiationneeded", async () => {
      if (entry.pc !== pc || entry.closed) return;
      try {
        entry.makingOffer = true;
        await pc.setLocalDescription();
        if (entry.pc === pc) sendSignal(entry.peer, { sdp: { type: pc.localDescription.type, sdp: pc.localDescription.sdp } });
      } catch (error) {
        console.warn("mediation: offer failed", error);
      } finally {
        entry.makingOffer = false;
      }
    });
    pc.addEventListener("icecandidate", ({ candidate }) => {
      // The end-of-candidates marker (null) is optional; it would only cost a frame.
      if (entry.pc === pc && candidate) sendSignal(entry.peer, { candidate: candidate.toJSON() });
    });
    pc.addEventListener("track", ({ track }) => {
      if (entry.pc !== pc) return;
      entry.stream.addTrack(track);
      if (entry.video.srcObject !== entry.stream) entry.video.srcObject = entry.stream;
      play(entry.video);
    });
    pc.addEventListener("connectionstatechange", () => {
      if (entry.pc !== pc || entry.closed) return;
      const current = pc.connectionState;
      if (current === "connected") measure(entry);
      else if (current === "disconnected" || current === "failed") setQuality(entry, "lost");
      if (current === "failed" && entry.offerer) pc.restartIce();
    });
  }

  // Our media onto the connection: the offerer's first offer follows (negotiationneeded), the
  // answerer's answer carries it. Receive-only transceivers keep the far side's media coming when we
  // have none.
  function attach(entry) {
    if (entry.closed || entry.attached) return;
    entry.attached = true;
    const pc = entry.pc;
    for (const kind of ["audio", "video"]) {
      const track = outgoing(kind);
      const transceiver = pc.getTransceivers().find((t) => !t.stopped && t.receiver.track.kind === kind && !t.sender.track);
      if (transceiver) {
        if (track) {
          transceiver.sender.replaceTrack(track).catch(() => {});
          if (localStream) transceiver.sender.setStreams?.(localStream);
          if (transceiver.direction === "recvonly" || transceiver.direction === "inactive") transceiver.direction = "sendrecv";
        }
      } else if (track) {
        pc.addTrack(track, localStream || new MediaStream([track]));
      } else {
        pc.addTransceiver(kind, { direction: "recvonly" });
      }
    }
  }

  function queue(entry, task) {
    entry.chain = entry.chain.then(task).catch((error) => console.warn("mediation: signaling", error));
  }

  async function onDescription(entry, description) {
    if (entry.closed) return;
    const incomingSession = sessionOf(description.sdp);
    if (description.type === "offer" && entry.remoteSession && incomingSession !== entry.remoteSession) {
      openConnection(entry); // the other side started afresh (it was moved, or reset): so do we
    }
    const pc = entry.pc;
    const collision = description.type === "offer" && (entry.makingOffer || pc.signalingState !== "stable");
    entry.ignoreOffer = !entry.polite && collision;
    if (entry.ignoreOffer) return;
    if (description.type === "answer" && pc.signalingState !== "have-local-offer") return; // stale
    try {
      await pc.setRemoteDescription(description);
    } catch (error) {
      if (description.type !== "answer") throw error;
      // An answer from a connection we no longer hold: start this pair again from our side.
      openConnection(entry);
      await mediaReady;
      attach(entry);
      return;
    }
    if (entry.pc !== pc) return;
    entry.remoteSession = incomingSession;
    if (description.type === "offer") {
      await mediaReady;
      if (entry.pc !== pc || entry.closed) return;
      attach(entry);
      await pc.setLocalDescription();
      sendSignal(entry.peer, { sdp: { type: pc.localDescription.type, sdp: pc.localDescription.sdp } });
    }
  }

  async function onCandidate(entry, candidate) {
    if (entry.closed || !candidate) return;
    try {
      await entry.pc.addIceCandidate(candidate);
    } catch (error) {
      if (!entry.ignoreOffer) console.warn("mediation: candidate refused", error);
    }
  }

  function onSignal(from, data) {
    if (!from || from === state.peer || !data) return;
    let entry = entries.get(from);
    if (!entry) {
      // The server relays only within our room, so this peer is with us even if the room's member
      // list announcing it has not arrived yet. Only an offer can start a connection.
      if (!data.sdp || data.sdp.type !== "offer") return;
      entry = addPeer(from, { listed: false });
    }
    if (data.sdp) queue(entry, () => onDescription(entry, data.sdp));
    else if ("candidate" in data) queue(entry, () => onCandidate(entry, data.candidate));
  }

  function removePeer(peer) {
    const entry = entries.get(peer);
    if (!entry) return;
    entry.closed = true;
    window.clearTimeout(entry.watchdog);
    entry.pc.close();
    entry.video.srcObject = null;
    entry.tile.remove();
    entries.delete(peer);
  }

  function removeAllPeers() {
    for (const peer of [...entries.keys()]) removePeer(peer);
  }

  // Make our connections match the server's member list for our room.
  let recheckTimer = null;
  function reconcile(members, { announceChanges }) {
    state.members = members;
    const others = members.filter((member) => member.peer !== state.peer);
    const present = new Set(others.map((member) => member.peer));
    for (const [peer, entry] of entries) {
      if (present.has(peer)) continue;
      // A connection an offer started moments ago may simply be ahead of the list that names it.
      if (!entry.listed && Date.now() - entry.createdAt < 5000) {
        window.clearTimeout(recheckTimer);
        recheckTimer = window.setTimeout(() => reconcile(state.members, { announceChanges: false }), 5000);
        continue;
      }
      if (announceChanges && entry.name) announce(fill(strings.gone, entry.name));
      removePeer(peer);
    }
    for (const member of others) {
      let entry = entries.get(member.peer);
      if (!entry) {
        entry = addPeer(member.peer, { listed: true });
        if (announceChanges) announce(fill(strings.joined, member.name));
      }
      entry.listed = true;
      label(entry, member.role, member.name);
    }
    updateMediatorControls();
  }

  // ---- connection quality --------------------------------------------------------------------------
  async function measure(entry) {
    const pc = entry.pc;
    if (entry.closed) return;
    if (pc.connectionState !== "connected") {
      const lost = pc.connectionState === "disconnected" || pc.connectionState === "failed";
      setQuality(entry, lost ? "lost" : "connecting");
      return;
    }
    let report;
    try { report = await pc.getStats(); } catch { return; }
    if (entry.pc !== pc || entry.closed) return;
    let selectedPair = "";
    const pairs = new Map();
    let lost = 0;
    let received = 0;
    report.forEach((stat) => {
      if (stat.type === "transport" && stat.selectedCandidatePairId) selectedPair = stat.selectedCandidatePairId;
      if (stat.type === "candidate-pair") pairs.set(stat.id, stat);
      if (stat.type === "inbound-rtp") {
        lost += Math.max(0, stat.packetsLost || 0);
        received += stat.packetsReceived || 0;
      }
    });
    let pair = pairs.get(selectedPair);
    if (!pair) pair = [...pairs.values()].find((p) => p.nominated && p.state === "succeeded");
    const rtt = pair && typeof pair.currentRoundTripTime === "number" ? pair.currentRoundTripTime : 0;
    const newLost = lost - entry.statsLost;
    const newReceived = received - entry.statsReceived;
    entry.statsLost = lost;
    entry.statsReceived = received;
    const loss = newLost + newReceived > 0 ? newLost / (newLost + newReceived) : 0;
    let level = "good";
    if (rtt > 0.4 || loss > 0.08) level = "poor";
    else if (rtt > 0.15 || loss > 0.02) level = "fair";
    setQuality(entry, level);
  }
  window.setInterval(() => { for (const entry of entries.values()) measure(entry); }, 4000);

  // ---- rooms ---------------------------------------------------------------------------------------
  function roomText(room) {
    if (room === "waiting") return strings.room_waiting;
    // A party left in the joint room while the mediator is with the other party is told so.
    if (room === "joint") return state.caucus && !isMediator ? strings.room_joint_caucus : strings.room_joint;
    if (room.startsWith("caucus-")) {
      return isMediator ? strings[`room_${room.replace("-", "_")}`] : strings.room_caucus_party;
    }
    return notConnectedText;
  }

  function setRoom(room, caucus) {
    state.room = room;
    state.caucus = caucus || null;
    ui.indicator.dataset.room = room;
    ui.indicator.textContent = roomText(room);
    ui.waitingNotice.hidden = room !== "waiting";
    updateChatAvailability();
    updateMediatorControls();
  }

  function updateChatAvailability() {
    const open = Boolean(live.isOpen() && state.room && state.room !== "waiting");
    ui.chatFieldset.disabled = !open;
    if (open) ui.chatNote.textContent = strings.chat_ready;
    else if (state.room === "waiting") ui.chatNote.textContent = strings.chat_waiting;
    else ui.chatNote.textContent = strings.chat_offline;
  }

  function updateMediatorControls() {
    if (!isMediator) return;
    const hadFocus = document.activeElement;
    const inJoint = state.room === "joint";
    const inCaucus = state.room.startsWith("caucus-");
    if (inCaucus) caucusOpenElsewhere = false;
    for (const button of ui.caucusStart) {
      button.hidden = inCaucus;
      button.disabled = !inJoint || !state.members.some((member) => member.role === button.dataset.caucus);
    }
    ui.caucusEnd.hidden = !(inCaucus || caucusOpenElsewhere);
    // Keep keyboard users where they were: the button that replaced the one they pressed gets focus.
    if (hadFocus && (hadFocus.hidden || hadFocus.disabled) && (ui.caucusStart.includes(hadFocus) || hadFocus === ui.caucusEnd)) {
      const next = inCaucus ? ui.caucusEnd : ui.caucusStart.find((button) => !button.disabled);
      if (next) next.focus();
    }
  }

  for (const button of ui.caucusStart) {
    button.addEventListener("click", () => {
      clearError();
      live.send({ type: "caucus.start", party: button.dataset.caucus });
    });
  }
  ui.caucusEnd?.addEventListener("click", () => {
    clearError();
    // A caucus we rejoined outside of (after a reconnect) is ended from the joint room too.
    if (live.send({ type: "caucus.end" }) && caucusOpenElsewhere) {
      caucusOpenElsewhere = false;
      updateMediatorControls();
    }
  });

  // Mediator: who is waiting to be admitted.
  let waitingPeers = new Set();
  function renderWaiting(members) {
    if (!ui.waitingList) return;
    const hadFocus = ui.waitingList.contains(document.activeElement);
    const fresh = new Set(members.map((member) => member.peer));
    for (const member of members) {
      if (!waitingPeers.has(member.peer)) announce(fill(strings.waiting_arrived, member.name));
    }
    waitingPeers = fresh;
    ui.waitingList.replaceChildren(...members.map((member) => {
      const item = document.createElement("li");
      item.dataset.peer = member.peer;
      const who = document.createElement("span");
      const name = document.createElement("span");
      name.id = `waiting-${member.peer}-name`;
      name.textContent = member.name;
      who.append(name, ` (${roleLabel(member.role)})`);
      const button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-primary btn-sm";
      button.id = `waiting-${member.peer}-admit`;
      button.textContent = strings.admit;
      // Named "Admit <name>" from its own visible text and the name beside it, so the name a speech-input
      // user reads on the button is the start of its accessible name in either language.
      button.setAttribute("aria-labelledby", `${button.id} ${name.id}`);
      button.addEventListener("click", () => {
        clearError();
        if (live.send({ type: "admit", peer: member.peer })) button.disabled = true;
      });
      item.append(who, " ", button);
      return item;
    }));
    ui.waitingEmpty.hidden = members.length > 0;
    if (hadFocus && !ui.waitingList.contains(document.activeElement)) {
      (ui.waitingList.querySelector("button") || ui.caucusStart.find((b) => !b.disabled && !b.hidden) || ui.leave).focus();
    }
  }

  // ---- chat ----------------------------------------------------------------------------------------
  const locale = (document.documentElement.lang || "en").startsWith("zh") ? "zh-HK" : "en-GB";
  const timeFormat = new Intl.DateTimeFormat(locale, {
    hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: document.documentElement.dataset.timeZone || "Asia/Hong_Kong",
  });

  function renderMessage(message) {
    const own = message.role === ownRole;
    const item = document.createElement("li");
    item.className = `message message-${message.role}${own ? " message-own" : ""}`;
    item.dataset.id = String(message.id);
    const meta = document.createElement("p");
    meta.className = "message-meta";
    const sender = document.createElement("span");
    sender.className = "message-sender";
    sender.textContent = own ? `${strings.you} (${roleLabel(message.role)})` : `${message.name} (${roleLabel(message.role)})`;
    const time = document.createElement("time");
    time.dateTime = message.at;
    time.textContent = timeFormat.format(new Date(message.at));
    meta.append(sender, " ", time);
    const body = document.createElement("p");
    body.className = "message-body";
    body.textContent = message.body; // never innerHTML: the text is someone else's
    item.append(meta, body);
    return item;
  }

  function showChat(messages) {
    // A new room brings its own history: swap it in without reading all of it out.
    ui.chatScroll.setAttribute("aria-busy", "true");
    seenChat.clear();
    ui.chatLog.replaceChildren(...messages.map((message) => { seenChat.add(message.id); return renderMessage(message); }));
    ui.chatEmpty.hidden = messages.length > 0;
    ui.chatScroll.scrollTop = ui.chatScroll.scrollHeight;
    window.setTimeout(() => ui.chatScroll.removeAttribute("aria-busy"), 0);
  }

  function addChat(message) {
    if (seenChat.has(message.id)) return;
    seenChat.add(message.id);
    ui.chatLog.append(renderMessage(message));
    ui.chatEmpty.hidden = true;
    ui.chatScroll.scrollTop = ui.chatScroll.scrollHeight;
  }

  ui.chatForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = ui.chatInput.value.trim();
    if (!body) return;
    clearError();
    const sent = live.request({ type: "chat", body }, {
      // Refused (too long, too fast, no longer in the room): the text comes back to be sent again.
      onError: (error) => {
        if (!ui.chatInput.value) ui.chatInput.value = body;
        roomError(error);
      },
    });
    if (sent) ui.chatInput.value = "";
  });

  // ---- the websocket -------------------------------------------------------------------------------
  function handle(frame) {
    switch (frame.type) {
      case "hello":
        caucusOpenElsewhere = false;
        state.peer = frame.peer;
        iceServers = Array.isArray(frame.ice_servers) ? frame.ice_servers : [];
        removeAllPeers();
        setRoom(frame.room, frame.caucus);
        showChat(frame.chat || []);
        reconcile(frame.members || [], { announceChanges: false });
        break;
      case "room.state":
        if (frame.room !== state.room) break;
        if ((frame.caucus || null) !== state.caucus) setRoom(state.room, frame.caucus);
        reconcile(frame.members || [], { announceChanges: true });
        break;
      case "moved":
        // Another room: nothing of the old one carries over.
        removeAllPeers();
        setRoom(frame.room, frame.caucus);
        showChat(frame.chat || []);
        reconcile(frame.members || [], { announceChanges: false });
        break;
      case "waiting":
        renderWaiting(frame.members || []);
        break;
      case "signal":
        onSignal(frame.from, frame.data);
        break;
      case "chat":
        if (frame.message) addChat(frame.message);
        break;
      case "ended":
        finish(strings.ended);
        break;
      default:
        break;
    }
  }

  function roomError(frame) {
    if (frame.code === "caucus_open" && isMediator) {
      caucusOpenElsewhere = true; // e.g. we reconnected into the joint room during a caucus
      updateMediatorControls();
    }
    if (frame.message) showError(frame.message);
    if (waitingPeers.size) for (const button of ui.waitingList.querySelectorAll("button")) button.disabled = false;
  }

  const live = liveSocket({
    path: root.dataset.wsPath,
    status: ui.connection,
    labels: { ...strings, offline: strings.refused },
    onFrame: handle,
    onError: roomError,
    onDown: () => {
      removeAllPeers(); // our peer id dies with the socket: a new one starts from the waiting room
      setRoom("");
      if (ui.waitingList) renderWaiting([]);
    },
    onRefused: () => { stopped = true; stopLocalMedia(); },
    refusedCodes: [4401, 4404, 4409],
    pingEvery: 25000,
  });

  function finish(text) {
    stopped = true;
    removeAllPeers();
    stopLocalMedia();
    live.stop(text);
    ui.endedText.textContent = text;
    ui.ended.hidden = false;
  }

  ui.leave.addEventListener("click", () => {
    finish(strings.left);
    window.location.assign(root.dataset.caseUrl);
  });

}
