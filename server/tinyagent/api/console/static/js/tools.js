// The enabled tools (GET /tools) and a ToolRAG probe (POST /toolrag): which tools, examples and guided
// skeleton a request would get.

import { json } from "./api.js";
import { $, el, showError } from "./dom.js";

let loaded = false;

export function init() {
  $("#probe-form").addEventListener("submit", (e) => { e.preventDefault(); probe(); });
}

export async function show() {
  if (loaded) return;
  try {
    const data = await json("/tools");
    $("#tools-list").replaceChildren(table(data.data), ...data.mcp_servers.map(server));
    showError($("#tools-error"), null);
    loaded = true;
  } catch (error) {
    showError($("#tools-error"), error);
  }
}

function table(tools) {
  const head = el("tr", {}, ...["Tool", "App", "Source", "Effect", "Parameters"].map((h) => el("th", { text: h })));
  return el("table", { class: "table", id: "tools-table" }, el("thead", {}, head), el("tbody", {}, ...tools.map(tool)));
}

function tool(spec) {
  const effect = spec.destructive ? `${spec.effect} (destructive)` : spec.effect;
  const schema = el("details", {}, el("summary", { text: Object.keys(spec.parameters.properties ?? {}).join(", ") || "none" }),
    el("pre", { class: "text", text: JSON.stringify(spec.parameters, null, 2) }));
  return el(
    "tr",
    { "data-tool": spec.name },
    el("td", {}, el("strong", { text: spec.name }), el("div", { class: "muted", text: spec.description })),
    el("td", { text: spec.app }),
    el("td", { text: spec.source }),
    el("td", { class: spec.side_effects ? "effect writes" : "effect", text: effect }),
    el("td", {}, schema),
  );
}

function server(s) {
  return el("p", { class: "muted", text: `MCP server ${s.name} (${s.transport}): ${s.state}, ${s.tools} tools${s.error ? `: ${s.error}` : ""}` });
}

async function probe() {
  const query = $("#probe-query").value.trim();
  if (!query) return;
  try {
    const data = await json("/toolrag", { method: "POST", body: { query, guided: true } });
    $("#probe-result").replaceChildren(...probeResult(data));
    showError($("#probe-error"), null);
  } catch (error) {
    showError($("#probe-error"), error);
  }
}

function probeResult(data) {
  const tools = el("ul", { id: "probe-tools" }, ...data.tools.map((t) => el("li", { text: `${t.name} (${t.score.toFixed(2)})` })));
  const examples = el("ol", {}, ...data.examples.map((e) => el("li", {}, el("div", { text: `${e.query} (${e.similarity.toFixed(2)})` }), el("pre", { class: "text", text: e.plan }))));
  const guide = data.guide
    ? el("p", { id: "probe-skeleton", text: `${data.guide.skeleton.join(" → ")} (score ${data.guide.score.toFixed(2)}, from “${data.guide.shots[0]?.query ?? ""}”)` })
    : el("p", { id: "probe-skeleton", class: "muted", text: "No skeleton of the bank fits: a guided plan would be written from the tools' signatures." });
  return [
    el("h3", { text: data.fallback ? "Tools (none passed the threshold: all kept)" : "Tools" }), tools,
    el("h3", { text: "Guided skeleton" }), guide,
    el("h3", { text: "Examples" }), examples,
    el("p", { class: "muted", text: `${data.timings.total_ms} ms` }),
  ];
}
