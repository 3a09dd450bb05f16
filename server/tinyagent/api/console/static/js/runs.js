// The runs list (GET /runs): each row links to the run view, which replays the run from the store.

import { json } from "./api.js";
import { $, el, showError, when } from "./dom.js";

export function init() {
  $("#runs-refresh").addEventListener("click", show);
}

export async function show() {
  try {
    const data = await json("/runs?limit=100");
    $("#runs-table tbody").replaceChildren(...data.runs.map(row));
    showError($("#runs-error"), null);
  } catch (error) {
    showError($("#runs-error"), error);
  }
}

function row(summary) {
  const link = el("a", { href: `#run/${encodeURIComponent(summary.run_id)}`, text: summary.query ?? "(given plan)" });
  return el(
    "tr",
    { "data-run": summary.run_id },
    el("td", { text: when(summary.created) }),
    el("td", {}, el("span", { class: "status", "data-status": summary.status, text: summary.status.replace("_", " ") })),
    el("td", {}, link),
    el("td", { class: "clip", text: summary.answer ?? summary.error ?? "" }),
  );
}
