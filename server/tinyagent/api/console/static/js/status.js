// Model, fallback, engine and queue from /health; a few live figures from /metrics (Prometheus text).

import { json, call } from "./api.js";
import { $, el, showError } from "./dom.js";

let timer = null;

export function show() {
  clearInterval(timer);
  refresh();
  timer = setInterval(() => { if (!$("#view-status").hidden) refresh(); else clearInterval(timer); }, 2000);
}

async function refresh() {
  try {
    const health = await readHealth();
    facts($("#status-health"), healthFacts(health));
    const response = await call("/metrics");
    if (response.ok) facts($("#status-metrics"), metricFacts(parse(await response.text())));
    showError($("#status-error"), null);
  } catch (error) {
    showError($("#status-error"), error);
  }
}

// /health answers 503 with a body while the model loads: that body is the news, not an error.
async function readHealth() {
  const response = await call("/health");
  return response.json();
}

export async function pill() {
  const node = $("#server-pill");
  try {
    const health = await readHealth();
    node.textContent = health.model ? `${health.model} · ${health.status}` : health.status;
    node.dataset.status = health.status;
  } catch {
    node.textContent = "server unreachable";
    node.dataset.status = "failed";
  }
}

function healthFacts(h) {
  const queue = h.queue ?? {};
  return [
    ["Status", h.status],
    ["Model", h.model ?? "(loading)"],
    ["Fallback", h.fallback ? `yes: ${h.fallback_reason}` : "no"],
    ["Engine", h.engine ?? ""],
    ["Context", h.context_length ?? "unknown"],
    ["Queue", `${queue.active ?? 0} of ${queue.slots ?? 1} slots busy, ${queue.waiting ?? 0} waiting`],
    ["llama.cpp", h.llama_cpp ? `${h.llama_cpp.version} (${h.llama_cpp.baseline})` : ""],
    ...(h.mcp_servers ?? []).map((s) => [`MCP ${s.name}`, `${s.state}, ${s.tools} tools`]),
    ...(h.error ? [["Error", h.error.message]] : []),
  ];
}

// Sums of each metric over its labels, and runs by status.
function parse(text) {
  const sums = new Map();
  for (const line of text.split("\n")) {
    // Label values may hold braces (route="/runs/{run_id}"): a label is name="quoted, with escapes".
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\})?\s+(\S+)(?:\s+\d+)?$/.exec(line);
    if (!match || !Number.isFinite(Number(match[3]))) continue;
    const name = match[1] === "tinyagent_runs_total" ? `runs:${/status="([^"]*)"/.exec(match[2] ?? "")?.[1]}` : match[1];
    sums.set(name, (sums.get(name) ?? 0) + Number(match[3]));
  }
  return sums;
}

function metricFacts(sums) {
  const runs = [...sums].filter(([k]) => k.startsWith("runs:")).map(([k, v]) => `${k.slice(5)} ${v}`);
  return [
    ["Prompt tokens", sums.get("tinyagent_prompt_tokens_total") ?? 0],
    ["Completion tokens", sums.get("tinyagent_completion_tokens_total") ?? 0],
    ["Requests waiting", sums.get("tinyagent_model_queue_waiting") ?? 0],
    ["Model busy", sums.get("tinyagent_model_busy") ? "yes" : "no"],
    ["Runs ended", runs.join(", ") || "none yet"],
    ["Tool calls", sums.get("tinyagent_tool_calls_total") ?? 0],
    ["HTTP requests", sums.get("tinyagent_http_requests_total") ?? 0],
  ];
}

function facts(root, pairs) {
  root.replaceChildren(...pairs.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { text: String(v) })]));
}
