// The demo page: draws the three chats from /api/state (long-polled) and sends what you do.
// Message HTML comes from the server already reduced to Telegram's tags; everything else is
// set as text, never as markup.
"use strict";

const PANES = ["patient", "staff", "group"];
let version = null;
let zone = "UTC";
let state = null;
let lead = 0; // the bot's clock minus this browser's, in ms: the clock ticks between states
const seenToasts = new Set();
const pinned = {}; // pane -> whether its list follows the newest message
let firstState = true;

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

async function post(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Mesobot-Demo": "1" },
    body: JSON.stringify(body),
  });
  if (!response.ok) showToast("patient", "Demo: " + (await response.text()), false);
  return response.ok ? response.json() : null;
}

function formatTime(iso, withDate) {
  const options = { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
  if (withDate) Object.assign(options, { weekday: "short", day: "numeric", month: "short", year: "numeric" });
  return new Intl.DateTimeFormat("en-GB", options).format(new Date(iso));
}

function drawMessage(pane, message) {
  const box = el("div", "msg " + (message.from_bot ? "bot" : "user") + (message.deleted ? " deleted" : ""));
  box.dataset.id = message.id;
  if (pane === "group" || !message.from_bot) box.appendChild(el("div", "sender", message.sender));
  if (message.photo) {
    const image = el("img");
    image.src = message.photo;
    image.alt = "photo";
    image.addEventListener("load", () => {
      const list = document.querySelector("#pane-" + pane + " .messages");
      if (pinned[pane]) list.scrollTop = list.scrollHeight;
    });
    box.appendChild(image);
  }
  if (message.document) {
    const link = el("a", "document", "📎 " + message.document.name);
    link.href = message.document.url;
    link.download = message.document.name;
    box.appendChild(link);
  }
  if (message.contact) box.appendChild(el("div", "contact", "📞 Shared contact: " + message.contact));
  if (message.venue) box.appendChild(el("div", "venue", "📍 " + message.venue.title + ", " + message.venue.address));
  const body = el("div", "body");
  body.innerHTML = message.html || message.caption_html; // sanitised by the server
  box.appendChild(body);
  if (message.buttons.length) {
    const keyboard = el("div", "inline-kb");
    for (const row of message.buttons) {
      const line = el("div", "inline-row");
      for (const button of row) {
        let node;
        if (button.url) {
          node = el("a", "inline-btn", button.text + " ↗");
          node.href = button.url;
          node.target = "_blank";
          node.rel = "noopener noreferrer";
        } else {
          node = el("button", "inline-btn", button.text);
          node.disabled = button.data === undefined;
          node.addEventListener("click", () =>
            post("/api/press", { pane, message_id: message.id, data: button.data }));
        }
        line.appendChild(node);
      }
      keyboard.appendChild(line);
    }
    box.appendChild(keyboard);
  }
  const meta = formatTime(new Date(message.date * 1000).toISOString(), false)
    + (message.edited ? " · edited" : "") + (message.deleted ? " · deleted by the bot" : "");
  box.appendChild(el("div", "meta", meta));
  return box;
}

function drawPane(pane, chat) {
  const section = document.getElementById("pane-" + pane);
  section.classList.toggle("not-started", !chat.started);
  const list = section.querySelector(".messages");
  pinned[pane] = firstState || list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  list.replaceChildren(...chat.messages.map((message) => drawMessage(pane, message)));
  if (pinned[pane]) list.scrollTop = list.scrollHeight;
  const keyboard = section.querySelector(".keyboard");
  keyboard.replaceChildren();
  if (chat.keyboard) {
    for (const row of chat.keyboard.rows) {
      const line = el("div", "kb-row");
      for (const button of row) {
        const node = el("button", "kb-btn" + (button.contact ? " contact" : ""),
          (button.contact ? "📱 " : "") + button.text);
        node.addEventListener("click", () => post("/api/keyboard", { pane, text: button.text }));
        line.appendChild(node);
      }
      keyboard.appendChild(line);
    }
  }
  const input = section.querySelector(".composer .text");
  input.placeholder = (chat.keyboard && chat.keyboard.placeholder) || "Message";
}

function showToast(pane, text, alert) {
  const section = document.getElementById("pane-" + pane);
  section.dataset.toasts = String(Number(section.dataset.toasts || 0) + 1);
  const area = section.querySelector(".toasts");
  const toast = el("div", "toast" + (alert ? " alert" : ""), text);
  if (alert) {
    const ok = el("button", "", "OK");
    ok.addEventListener("click", () => toast.remove());
    toast.appendChild(ok);
  } else {
    setTimeout(() => toast.remove(), 4000);
  }
  area.appendChild(toast);
}

function draw(next) {
  state = next;
  zone = next.zone || "UTC";
  lead = Date.parse(next.now) - Date.now();
  tick();
  document.getElementById("next-due").textContent = next.next_due
    ? "next queued message: " + formatTime(next.next_due, true) : "no message queued";
  for (const pane of PANES) drawPane(pane, next.chats[pane]);
  const violations = document.getElementById("violations");
  violations.classList.toggle("clean", next.violations.length === 0);
  violations.textContent = next.violations.length === 0 ? "No Bot API violations"
    : "Bot API violations (" + next.violations.length + "):\n" + next.violations
      .map((v) => v.method + ": " + (v.status ? v.status + " " : "") + v.description).join("\n");
  for (const toast of next.toasts) {
    if (seenToasts.has(toast.id)) continue;
    seenToasts.add(toast.id);
    if (!firstState && toast.pane) showToast(toast.pane, toast.text, toast.alert);
  }
  firstState = false;
  window.__drawn = true; // for the browser test: the first state is on the page
}

function tick() {
  const now = new Date(Date.now() + lead).toISOString();
  document.getElementById("clock").textContent = formatTime(now, true) + " (" + zone + ")";
}

async function poll() {
  for (;;) {
    try {
      const response = await fetch("/api/state" + (version === null ? "" : "?since=" + version));
      const next = await response.json();
      version = next.version;
      draw(next);
    } catch (error) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

function wire() {
  for (const pane of PANES) {
    const section = document.getElementById("pane-" + pane);
    section.querySelector(".composer").addEventListener("submit", async (event) => {
      event.preventDefault();
      const input = section.querySelector(".composer .text");
      if (!input.value.trim()) return;
      const text = input.value;
      input.value = "";
      await post("/api/send", { pane, text });
    });
    section.querySelector(".messages").addEventListener("click", (event) => {
      const command = event.target.closest(".command");
      if (command) post("/api/send", { pane, text: command.textContent });
    });
  }
  document.querySelector("#pane-patient .start").addEventListener("click",
    () => post("/api/send", { pane: "patient", text: "/start" }));
  document.querySelector("#pane-patient .photo-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = document.getElementById("photo-patient");
    if (!file.files.length) return;
    const form = new FormData();
    form.append("photo", file.files[0]);
    form.append("caption", document.getElementById("caption-patient").value);
    await fetch("/api/photo", { method: "POST", body: form, headers: { "X-Mesobot-Demo": "1" } });
    file.value = "";
    document.getElementById("caption-patient").value = "";
  });
  for (const [id, step] of [["tm-next", "next"], ["tm-hour", "hour"], ["tm-day", "day"]]) {
    document.getElementById(id).addEventListener("click", async () => {
      const answer = await post("/api/time", { step });
      if (answer && answer.note) showToast("patient", answer.note, false);
    });
  }
}

wire();
poll();
setInterval(() => { if (state) tick(); }, 1000);
