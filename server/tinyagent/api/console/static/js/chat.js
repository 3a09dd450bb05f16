// A streaming chat with the served model (POST /v1/chat/completions, stream: true).

import { call, events, failure } from "./api.js";
import { $, el, showError } from "./dom.js";

let messages = [];
let controller = null;

export function init() {
  $("#chat-form").addEventListener("submit", (e) => { e.preventDefault(); send(); });
  $("#chat-input").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); send(); }
  });
  $("#chat-stop").addEventListener("click", () => controller?.abort());
  $("#chat-clear").addEventListener("click", () => { controller?.abort(); messages = []; $("#chat-log").replaceChildren(); });
}

export function show() {
  $("#chat-input").focus();
}

function bubble(role, text) {
  const node = el("div", { class: `msg ${role}` }, el("span", { class: "who", text: role === "user" ? "You" : "Model" }), el("div", { class: "text", text }));
  $("#chat-log").append(node);
  return node.querySelector(".text");
}

async function send() {
  const text = $("#chat-input").value.trim();
  if (!text || controller) return;
  $("#chat-input").value = "";
  messages.push({ role: "user", content: text });
  bubble("user", text);
  const out = bubble("assistant", "");
  controller = new AbortController();
  busy(true);
  try {
    const reply = await stream(out, controller.signal);
    messages.push({ role: "assistant", content: reply });
    showError($("#chat-error"), null);
  } catch (error) {
    if (!controller.signal.aborted) showError($("#chat-error"), error);
    if (out.textContent) messages.push({ role: "assistant", content: out.textContent });
  }
  controller = null;
  busy(false);
}

async function stream(out, signal) {
  const limit = Number.parseInt($("#chat-max-tokens").value, 10);
  const body = { model: "default", messages, stream: true, ...(limit > 0 ? { max_tokens: limit } : {}) };
  const response = await call("/v1/chat/completions", { method: "POST", body, signal });
  if (!response.ok) throw await failure(response);
  for await (const message of events(response)) {
    if (message.data === "[DONE]") break;
    const chunk = JSON.parse(message.data);
    if (chunk.error) throw new Error(chunk.error.message);
    out.textContent += chunk.choices?.[0]?.delta?.content ?? "";
  }
  return out.textContent;
}

function busy(on) {
  $("#chat-send").disabled = on;
  $("#chat-stop").disabled = !on;
}
