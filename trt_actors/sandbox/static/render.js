// Rendering one Telegram message as DOM nodes. Everything the bot or a user wrote goes in
// through textContent or attributes, never as HTML; links keep only safe schemes.

const ENTITY_TAGS = {
  bold: "strong",
  italic: "em",
  underline: "u",
  strikethrough: "s",
  code: "code",
  pre: "pre",
  blockquote: "blockquote",
  expandable_blockquote: "blockquote",
};
const SAFE_SCHEMES = ["http:", "https:", "mailto:", "tg:"];

/** The URL if it has a safe scheme, else null. */
export function safeUrl(value) {
  try {
    const url = new URL(String(value), window.location.href);
    return SAFE_SCHEMES.includes(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function link(href, text) {
  const safe = safeUrl(href);
  if (!safe) return el("span", "", text);
  const a = el("a", "", text);
  a.href = safe;
  a.target = "_blank";
  a.rel = "noopener noreferrer";
  return a;
}

// Entities: offsets and lengths are in UTF-16 code units, as JavaScript strings are.
function entityNode(entity, text, actions) {
  switch (entity.type) {
    case "text_link":
      return link(entity.url, "");
    case "url":
      return link(/^[a-z]+:/i.test(text) ? text : `http://${text}`, "");
    case "email":
      return link(`mailto:${text}`, "");
    case "spoiler": {
      const span = el("span", "spoiler");
      span.title = "spoiler: click to show";
      span.addEventListener("click", () => span.classList.add("shown"));
      return span;
    }
    case "bot_command": {
      const a = el("a", "command");
      a.href = "#";
      a.addEventListener("click", (event) => {
        event.preventDefault();
        actions.sendText(text);
      });
      return a;
    }
    default:
      return el(ENTITY_TAGS[entity.type] || "span", `entity-${entity.type}`);
  }
}

function appendFormatted(parent, text, start, end, entities, actions) {
  let position = start;
  let i = 0;
  while (i < entities.length) {
    const entity = entities[i];
    const from = Math.max(entity.offset, position);
    const to = Math.min(entity.offset + entity.length, end);
    const inside = [];
    let j = i + 1;
    while (j < entities.length && entities[j].offset < to) inside.push(entities[j++]);
    if (from < to) {
      if (from > position) parent.append(text.slice(position, from));
      const node = entityNode(entity, text.slice(from, to), actions);
      appendFormatted(node, text, from, to, inside, actions);
      parent.append(node);
      position = to;
    }
    i = j;
  }
  if (position < end) parent.append(text.slice(position, end));
}

/** A block with `text` and its Telegram `entities` (bold, italic, links, ...). */
export function formatted(text, entities, className, actions) {
  const block = el("div", className);
  const sorted = [...(entities || [])]
    .filter((e) => Number.isInteger(e.offset) && Number.isInteger(e.length) && e.length > 0)
    .sort((a, b) => a.offset - b.offset || b.length - a.length);
  appendFormatted(block, String(text), 0, String(text).length, sorted, actions);
  return block;
}

const FILE_KINDS = ["document", "video", "audio", "voice", "animation", "sticker", "video_note"];
const FILE_ICONS = { video: "🎬", audio: "🎵", voice: "🎤", animation: "🎞", document: "📄" };
const PLAYED_AS = { video: "video", video_note: "video", animation: "video", audio: "audio", voice: "audio" };

/** The file's name, or the last part of its URL (a result the bot sent by URL). */
function fileName(file, url, kind) {
  if (file.file_name) return String(file.file_name);
  try {
    const last = new URL(url).pathname.split("/").pop();
    return last ? decodeURIComponent(last) : kind;
  } catch {
    return kind;
  }
}

/** A player for a video or a sound: a GIF (how the KIE emulator makes "video") is shown as
 *  the animated image it is; the rest get the browser's own controls. */
function player(kind, url, name, type) {
  if (/\.gif$/i.test(name) || type === "image/gif") {
    const img = el("img", "photo animation");
    img.src = url;
    img.alt = name;
    return img;
  }
  const media = el(PLAYED_AS[kind], `player ${PLAYED_AS[kind]}`);
  media.src = url;
  media.controls = true;
  media.preload = "metadata";
  if (kind === "animation") {
    media.loop = true;
    media.muted = true;
    media.autoplay = true;
  }
  return media;
}

function media(view) {
  const message = view.message;
  const files = view.files || {};
  if (Array.isArray(message.photo) && message.photo.length > 0) {
    const largest = message.photo[message.photo.length - 1];
    const url = safeUrl(files[largest.file_id]);
    if (!url) return el("div", "file", "🖼 photo");
    const img = el("img", "photo");
    img.src = url;
    img.alt = "photo";
    img.loading = "lazy";
    return img;
  }
  for (const kind of FILE_KINDS) {
    const file = message[kind];
    if (!file || typeof file !== "object") continue;
    const url = safeUrl(files[file.file_id]);
    const name = url ? fileName(file, url, kind) : file.file_name || kind;
    const type = String(file.mime_type || "");
    const label = `${FILE_ICONS[kind] || "📎"} ${name}`;
    if (!url) return el("div", "file", label);
    if (type.startsWith("image/")) {
      const img = el("img", "photo");
      img.src = url;
      img.alt = name;
      return img;
    }
    if (PLAYED_AS[kind]) {
      const box = el("div", "media");
      box.append(player(kind, url, name, type), link(url, label));
      return box;
    }
    return link(url, label);
  }
  return null;
}

function price(invoiceData) {
  const { currency, total_amount: amount } = invoiceData;
  return currency === "XTR" ? `⭐ ${amount}` : `${amount} ${currency}`;
}

function invoice(view) {
  const data = view.message.invoice;
  const box = el("div", "invoice");
  box.append(el("div", "invoice-title", data.title));
  box.append(el("div", "invoice-description", data.description));
  box.append(el("div", "invoice-amount", price(data)));
  if (view.paid) box.append(el("div", "invoice-paid", "✅ Paid"));
  return box;
}

/** What a Pay button shows: "Pay with ⭐ 50", or once paid the receipt Telegram shows. */
export function payLabel(view, paid) {
  const data = view.message.invoice;
  if (!data) return "Pay";
  return paid ? `🧾 Receipt · paid ${price(data)}` : `Pay with ${price(data)}`;
}

function keyboard(view, actions) {
  const rows = (view.message.reply_markup || {}).inline_keyboard || [];
  const box = el("div", "keyboard");
  for (const row of rows) {
    const line = el("div", "row");
    for (const button of row) {
      if (button.url) {
        const a = link(button.url, `${button.text} ↗`);
        a.classList.add("button");
        line.append(a);
        continue;
      }
      const b = el("button", "button", button.pay ? payLabel(view, view.paid) : button.text);
      b.type = "button";
      b.title = b.textContent;
      if (button.pay && view.paid) {
        b.classList.add("receipt");
        b.disabled = true;
        b.title = "This invoice is paid: Telegram shows its receipt, it cannot be paid again";
      } else if (button.pay) {
        b.classList.add("pay");
        b.addEventListener("click", () => actions.pay(view, b));
      } else if (typeof button.callback_data === "string") {
        b.dataset.callback = button.callback_data;
        b.addEventListener("click", () => actions.press(view.message_id, button.callback_data, b));
      } else {
        b.disabled = true;
        b.title = "this kind of button is not emulated";
      }
      line.append(b);
    }
    box.append(line);
  }
  return rows.length > 0 ? box : null;
}

function systemLine(message) {
  if (message.successful_payment) {
    return `Paid ⭐ ${message.successful_payment.total_amount}`;
  }
  if (message.refunded_payment) {
    return `Refunded ⭐ ${message.refunded_payment.total_amount}`;
  }
  return null;
}

/** The element of one message view (see the sandbox's _views.py). */
export function renderMessage(view, actions) {
  const message = view.message;
  const side = view.from_bot ? "bot" : "user";
  const node = el("div", `msg ${side}`);
  node.dataset.messageId = String(view.message_id);
  const system = systemLine(message);
  if (system) {
    node.className = "msg system";
    node.append(el("div", "text", system));
    return node;
  }
  const bubble = el("div", "bubble");
  const file = media(view);
  if (file) bubble.append(file);
  if (message.invoice) bubble.append(invoice(view));
  if (typeof message.text === "string") {
    bubble.append(formatted(message.text, message.entities, "text", actions));
  }
  if (typeof message.caption === "string") {
    bubble.append(formatted(message.caption, message.caption_entities, "text caption", actions));
  }
  if (bubble.childElementCount === 0) bubble.append(el("div", "text muted", "(unsupported message)"));
  const date = new Date((message.edit_date || message.date || 0) * 1000);
  const time = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  bubble.append(el("div", "meta", view.edits > 0 ? `edited ${time}` : time));
  node.append(bubble);
  const buttons = keyboard(view, actions);
  if (buttons) {
    node.classList.add("with-keyboard"); // as wide as Telegram makes a message with buttons
    node.append(buttons);
  }
  return node;
}
