// The sandbox's chat page: talk to the bot as one of the sandbox's people.
// Actions go to /api/... on this server; the chat arrives over the websocket
// ws://HOST:WS_PORT/chat/USER_ID (a snapshot, then every new, edited or deleted message).

import { payLabel, renderMessage } from "./render.js";

const RECONNECT_DELAY_MS = 1000;
const NOTICE_MS = 6000;

const state = {
  config: null,
  person: null,
  socket: null,
  noticeTimer: null,
};

const $ = (id) => document.getElementById(id);

function setStatus(text, className) {
  const status = $("status");
  status.textContent = text;
  status.className = `status ${className || ""}`;
}

function notice(text) {
  const box = $("notice");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(state.noticeTimer);
  state.noticeTimer = setTimeout(() => { box.hidden = true; }, NOTICE_MS);
}

async function api(action, body) {
  const response = await fetch(`/api/${action}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ user_id: state.person.user_id, ...body }),
  });
  let answer;
  try {
    answer = await response.json();
  } catch {
    throw new Error(`${action}: HTTP ${response.status}`);
  }
  if (!answer.ok) throw new Error(answer.error || `${action} failed`);
  return answer.result;
}

async function attempt(work) {
  try {
    return await work();
  } catch (error) {
    notice(error.message);
    return null;
  }
}

// the chat

const actions = {
  sendText: (text) => attempt(() => sendText(text)),
  press: (messageId, data, button) => attempt(async () => {
    button.classList.add("busy");
    try {
      await api("press", { message_id: messageId, callback_data: data });
    } finally {
      setTimeout(() => button.classList.remove("busy"), 400);
    }
  }),
  pay: (view, button) => attempt(async () => {
    button.disabled = true;
    let paid = false;
    try {
      const result = await api("pay", { message_id: view.message_id });
      paid = result.status === "paid" || result.status === "already_paid";
      if (result.message) upsert(result.message);
      if (result.status === "already_paid") notice("This invoice is paid already: it shows its receipt");
      if (result.status === "declined") notice(`Payment declined: ${result.error_message || "no reason given"}`);
      if (result.status === "timeout") notice("The bot did not confirm the payment in time");
    } finally {
      if (paid) { // the receipt now, until the chat feed brings the paid invoice itself
        button.textContent = payLabel(view, true);
        button.classList.replace("pay", "receipt");
      } else {
        button.disabled = false;
      }
    }
  }),
};

function nearBottom(chat) {
  return chat.scrollHeight - chat.scrollTop - chat.clientHeight < 80;
}

function upsert(view) {
  const chat = $("chat");
  const follow = nearBottom(chat);
  const existing = chat.querySelector(`[data-message-id="${Number(view.message_id)}"]`);
  if (view.deleted) {
    if (existing) existing.remove();
    return;
  }
  const node = renderMessage(view, actions);
  if (existing) {
    existing.replaceWith(node);
    return;
  }
  const later = [...chat.children].find((child) => Number(child.dataset.messageId) > view.message_id);
  chat.insertBefore(node, later || null);
  if (follow) chat.scrollTop = chat.scrollHeight;
}

function showSnapshot(messages) {
  const chat = $("chat");
  chat.replaceChildren();
  for (const view of messages) upsert(view);
  if (messages.length === 0) {
    const hint = document.createElement("div");
    hint.className = "hint";
    hint.textContent = "Say /start to begin.";
    chat.append(hint);
  }
  chat.scrollTop = chat.scrollHeight;
}

function connect(person) {
  if (state.socket) {
    state.socket.onclose = null;
    state.socket.close();
  }
  const url = `ws://${window.location.hostname}:${state.config.ws_port}/chat/${person.user_id}`;
  const socket = new WebSocket(url);
  state.socket = socket;
  setStatus("connecting…", "wait");
  socket.onopen = () => setStatus(`connected as ${person.first_name}`, "ok");
  socket.onmessage = (event) => {
    const data = JSON.parse(event.data);
    if (data.type === "snapshot") showSnapshot(data.messages);
    else if (data.type === "change") {
      const hint = $("chat").querySelector(".hint");
      if (hint) hint.remove();
      upsert(data.message);
    }
  };
  socket.onclose = () => {
    if (state.socket !== socket) return;
    setStatus("disconnected: retrying…", "error");
    setTimeout(() => { if (state.socket === socket) connect(person); }, RECONNECT_DELAY_MS);
  };
}

// people

function choose(person) {
  state.person = person;
  for (const button of $("people").children) {
    button.setAttribute("aria-pressed", String(button.dataset.key === person.key));
  }
  if (window.location.hash !== `#${person.key}`) history.replaceState(null, "", `#${person.key}`);
  document.title = `${person.first_name} · TRT sandbox`;
  connect(person);
  $("text").focus();
}

function showPeople(people) {
  const nav = $("people");
  nav.replaceChildren();
  for (const person of people) {
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.key = person.key;
    button.textContent = person.first_name;
    button.title = `Telegram user ${person.user_id}${person.admin ? " (in ADMIN_IDS)" : ""}`;
    if (person.admin) {
      const badge = document.createElement("span");
      badge.className = "badge";
      badge.textContent = "admin";
      button.append(" ", badge);
    }
    button.addEventListener("click", () => choose(person));
    nav.append(button);
  }
}

// composing

async function sendText(text) {
  const view = await api("send", { text });
  const hint = $("chat").querySelector(".hint");
  if (hint) hint.remove();
  upsert(view);
}

function readAsBase64(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(",", 2)[1] || "");
    reader.onerror = () => reject(new Error(`cannot read ${file.name}`));
    reader.readAsDataURL(file);
  });
}

async function sendFile(file) {
  const caption = $("text").value.trim();
  const data = await readAsBase64(file);
  const view = await api("upload", {
    data_base64: data,
    file_name: file.name,
    mime_type: file.type || "application/octet-stream",
    caption,
  });
  $("text").value = "";
  upsert(view);
}

function wireComposer() {
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("text");
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    attempt(() => sendText(text));
  });
  $("start").addEventListener("click", () => attempt(() => sendText("/start")));
  $("file").addEventListener("change", (event) => {
    const file = event.target.files[0];
    event.target.value = "";
    if (file) attempt(() => sendFile(file));
  });
}

async function main() {
  wireComposer();
  const response = await fetch("/api/config");
  const answer = await response.json();
  state.config = answer.result;
  const bot = state.config.bot;
  $("bot-name").textContent = bot.username ? `${bot.first_name} (@${bot.username})` : bot.first_name;
  showPeople(state.config.people);
  const wanted = window.location.hash.slice(1);
  const person = state.config.people.find((p) => p.key === wanted) || state.config.people[0];
  choose(person);
}

main().catch((error) => setStatus(`cannot start: ${error.message}`, "error"));
