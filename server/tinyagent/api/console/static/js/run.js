// The run view: start a run (a request or a given plan), follow its events, draw the plan and the
// timeline, stream the answer, approve or deny waiting tasks, cancel. The events seen so far are kept in
// this tab's session storage, so a reload redraws them and resumes with Last-Event-ID: nothing is lost.

import { call, events, failure, json } from "./api.js";
import { $, el, showError } from "./dom.js";
import { GraphView } from "./graph.js";
import { apply, finished, newRun, waiting } from "./runstate.js";

const STORE = "tinyagent.run.";
const RETRY_MS = [500, 1000, 2000, 5000];

let run = newRun();
let follower = null; // AbortController of the stream being read
let graph = null;
let drawPending = false;

export function init() {
  graph = new GraphView($("#run-graph"), { onDecide: decide });
  $("#run-form").addEventListener("submit", (e) => { e.preventDefault(); start(); });
  for (const radio of document.querySelectorAll("input[name=run-mode]")) radio.addEventListener("change", mode);
  $("#run-cancel").addEventListener("click", cancel);
  // Running tasks' bars grow between events too.
  setInterval(() => { if (run.runId && !finished(run)) schedule(); }, 1000);
}

function mode() {
  const plan = document.querySelector("input[name=run-mode]:checked").value === "plan";
  $("#run-query").hidden = plan;
  $("#run-plan").hidden = !plan;
  $("#run-joiner-label").hidden = !plan;
}

// Shown with a run id: that run, from storage and then the server; without one, the form (and the
// current run if there is one).
export function show(runId) {
  if (!runId || runId === run.runId) return;
  open(runId);
}

function reset(runId) {
  follower?.abort();
  run = newRun(runId);
  graph.reset();
  $("#run-panel").hidden = runId === null;
  showError($("#run-error"), null);
}

function open(runId) {
  reset(runId);
  for (const ev of stored(runId)) apply(run, ev);
  draw();
  if (!finished(run)) follow(runId);
}

function body() {
  const plan = document.querySelector("input[name=run-mode]:checked").value === "plan";
  // Without the joiner a given plan needs no model at all: the answer is the last task's result.
  const request = plan ? { plan: $("#run-plan").value, joiner: $("#run-joiner").checked } : { query: $("#run-query").value };
  const approval = $("#run-approval").value;
  return approval ? { ...request, approval, stream: true } : { ...request, stream: true };
}

async function start() {
  reset(null);
  const controller = (follower = new AbortController());
  try {
    const response = await call("/run", { method: "POST", body: body(), signal: controller.signal });
    if (!response.ok) throw await failure(response);
    $("#run-panel").hidden = false;
    await read(response, controller);
  } catch (error) {
    if (!controller.signal.aborted) fail(error);
  }
  if (!controller.signal.aborted && run.runId && !finished(run)) follow(run.runId);
}

// Reads a run's events until run_finished, the stream's end, or abort.
async function read(response, controller) {
  for await (const message of events(response)) {
    if (controller.signal.aborted) return;
    const ev = JSON.parse(message.data);
    if (ev.type === "run_started" && run.runId === null) adopt(ev.run_id);
    if (apply(run, ev)) schedule();
  }
}

function adopt(runId) {
  run.runId = runId;
  $("#run-panel").hidden = false;
  // The address names the run: a reload (or a bookmark) comes back to it.
  history.replaceState(null, "", `#run/${runId}`);
}

async function follow(runId) {
  const controller = (follower = new AbortController());
  for (let attempt = 0; !controller.signal.aborted && !finished(run); attempt++) {
    try {
      const headers = { "last-event-id": String(run.lastSeq) };
      const response = await call(`/runs/${encodeURIComponent(runId)}/events`, { headers, signal: controller.signal });
      if (!response.ok) throw await failure(response);
      attempt = 0;
      await read(response, controller);
    } catch (error) {
      if (controller.signal.aborted) return;
      if (error.status === 404) return fail(error);
      showError($("#run-error"), `Connection lost; resuming… (${error.message})`);
    }
    if (!finished(run)) await sleep(RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]);
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function fail(error) {
  showError($("#run-error"), error);
}

async function decide(task, approved) {
  const action = approved ? "approve" : "deny";
  const buttons = document.querySelectorAll(`[data-task="${task.key}"] .decide button`);
  buttons.forEach((b) => { b.disabled = true; });
  try {
    await json(`/runs/${encodeURIComponent(run.runId)}/${action}`, { method: "POST", body: { task_id: task.id } });
  } catch (error) {
    buttons.forEach((b) => { b.disabled = false; });
    fail(error);
  }
}

async function cancel() {
  if (!run.runId) return;
  try {
    await json(`/runs/${encodeURIComponent(run.runId)}/cancel`, { method: "POST", body: {} });
  } catch (error) {
    fail(error);
  }
}

function stored(runId) {
  try {
    return JSON.parse(sessionStorage.getItem(STORE + runId) ?? "[]");
  } catch {
    return [];
  }
}

function save() {
  if (!run.runId) return;
  try {
    sessionStorage.setItem(STORE + run.runId, JSON.stringify(run.events));
  } catch {
    // Storage full: a reload then replays the run from the server's store instead.
    sessionStorage.removeItem(STORE + run.runId);
  }
}

function schedule() {
  if (drawPending) return;
  drawPending = true;
  requestAnimationFrame(() => { drawPending = false; draw(); });
}

function draw() {
  save();
  $("#run-id").textContent = run.runId ?? "";
  const status = $("#run-status");
  status.textContent = run.status.replace("_", " ");
  status.dataset.status = run.status;
  $("#run-query-shown").textContent = run.query ?? (run.plan ? "given plan" : "");
  $("#run-cancel").disabled = finished(run) || !run.runId;
  if (run.error) showError($("#run-error"), run.error);
  else if (finished(run) || run.lastSeq) showError($("#run-error"), null);
  graph.render(run);
  drawTimeline($("#run-timeline"), run);
  $("#run-answer").textContent = run.answer;
  announce();
}

function announce() {
  const names = waiting(run).map((t) => t.tool);
  $("#run-announce").textContent = names.length ? `Waiting for approval: ${names.join(", ")}` : "";
  const first = document.querySelector(".node[data-state=waiting] .approve");
  if (first && document.activeElement === document.body) first.focus();
}

// One bar per task that ran, on a clock from the first task's start to the last one's end: bars that
// overlap are tasks that ran in parallel.
function drawTimeline(root, state) {
  const ran = [...state.tasks.values()].filter((t) => t.startTs !== null);
  if (!ran.length) return root.replaceChildren();
  const now = state.endTs ?? Date.now() / 1000;
  const first = Math.min(...ran.map((t) => t.startTs));
  const last = Math.max(...ran.map((t) => t.endTs ?? now));
  const span = Math.max(last - first, 0.001);
  const rows = ran.map((t) => lane(t, first, span, t.endTs ?? now));
  const offset = state.startTs === null ? "" : `, starting ${(first - state.startTs).toFixed(2)} s into the run`;
  root.replaceChildren(...rows, el("p", { class: "muted", text: `Tasks ran over ${span.toFixed(3)} s${offset}.` }));
}

function lane(task, first, span, end) {
  const left = ((task.startTs - first) / span) * 100;
  const width = Math.max(((end - task.startTs) / span) * 100, 0.5);
  const bar = el("div", { class: "bar", "data-state": task.state, title: `${(end - task.startTs).toFixed(3)} s` });
  bar.style.left = `${left}%`;
  bar.style.width = `${Math.min(width, 100 - left)}%`;
  const label = el("span", { class: "label", text: `R${task.round} $${task.id} ${task.tool}` });
  return el("div", { class: "lane", "data-task": task.key }, label, el("div", { class: "track" }, bar));
}
