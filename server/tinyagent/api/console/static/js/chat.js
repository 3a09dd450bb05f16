// A streaming chat with the served model (POST /v1/chat/completions, stream: true).

import { call, events, failure } from "./api.js";
import { $, el, showError } from "./dom.js";

let messages = [];
let controller = null;

export function init() {
  $("#chat-form").addEventListener("submit", (e) => { e.preventDefault(); send(); });
  $("#chat-input").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); send(); }
  });
  $("#chat-stop").addEventListener("click", () => controller?.abort());
  $("#chat-clear").addEventListener("click", () => {
    controller?.abort();
    messages = [];
    $("#chat-log").replaceChildren();
  });
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
  const convo = messages; // "New chat" during the reply starts another list: this reply is not its
  convo.push({ role: "user", content: text });
  const asked = bubble("user", text);
  const out = bubble("assistant", "");
  const mine = (controller = new AbortController());
  busy(true);
  try {
    convo.push({ role: "assistant", content: await stream(convo, out, mine.signal) });
    showError($("#chat-error"), null);
  } catch (error) {
    if (!mine.signal.aborted) showError($("#chat-error"), error);
    if (out.textContent) convo.push({ role: "assistant", content: out.textContent });
    else unasked(convo, asked, out); // no reply at all: the turn is taken back, so turns still alternate
  }
  if (controller === mine) controller = null;
  busy(controller !== null);
}

function unasked(convo, asked, out) {
  convo.pop();
  asked.parentElement.classList.add("unsent");
  out.parentElement.remove();
}

async function stream(convo, out, signal) {
  const limit = Number.parseInt($("#chat-max-tokens").value, 10);
  const body = { model: "default", messages: convo, stream: true, ...(limit > 0 ? { max_tokens: limit } : {}) };
  const response = await call("/v1/chat/completions", { method: "POST", body, signal });
  if (!response.ok) throw await failure(response);
  for await (const message of events(response, signal)) {
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
