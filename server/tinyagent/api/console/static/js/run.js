// The run view: start a run (a request or a given plan), follow its events, draw the plan and the
// timeline, stream the answer, approve or deny waiting tasks, cancel. The events seen so far are kept in
// this tab's session storage, so a reload redraws them and resumes with Last-Event-ID: nothing is lost.

import { ApiError, call, events, failure, json } from "./api.js";
import { $, showError } from "./dom.js";
import { GraphView } from "./graph.js";
import { apply, finished, newRun, waiting } from "./runstate.js";
import { save, stored } from "./runstore.js";
import { drawTimeline } from "./timeline.js";

const RETRY_MS = [500, 1000, 2000, 5000];
const SAVE_EVERY_MS = 1000;

let run = newRun();
let follower = null; // AbortController of the stream being read
let graph = null;
let drawPending = false;
let savedAt = 0;
let clockOffset = null; // browser clock minus server clock (s), from live events: for running bars

export function init() {
  graph = new GraphView($("#run-graph"), { onDecide: decide });
  $("#run-form").addEventListener("submit", (e) => { e.preventDefault(); start(); });
  for (const radio of document.querySelectorAll("input[name=run-mode]")) radio.addEventListener("change", mode);
  $("#run-cancel").addEventListener("click", cancel);
  mode(); // the browser may have restored the radio buttons on reload
  // Running tasks' bars grow between events too.
  setInterval(() => { if (run.runId && !finished(run)) schedule(); }, 1000);
}

function mode() {
  const plan = document.querySelector("input[name=run-mode]:checked").value === "plan";
  $("#run-query").hidden = plan;
  $("#run-plan").hidden = !plan;
  $("#run-joiner-label").hidden = !plan;
}

// With a run id: that run, from storage and then the server. Without one (or the same one): the form and
// the current run, redrawn (it may have changed while another view showed).
export function show(runId) {
  if (runId && runId !== run.runId) open(runId);
  else schedule();
}

function reset(runId) {
  follower?.abort();
  run = newRun(runId);
  graph.reset();
  $("#run-panel").hidden = runId === null;
  showError($("#run-error"), null);
  notice(null);
  runTab(runId);
}

// The Run tab keeps pointing at the run shown, so coming back (or reloading) shows it again.
function runTab(runId) {
  $("nav a[data-tab=run]").setAttribute("href", runId ? `#run/${encodeURIComponent(runId)}` : "#run");
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
    await read(response, controller);
  } catch (error) {
    if (!controller.signal.aborted) showError($("#run-error"), error);
  }
  if (!controller.signal.aborted && run.runId && !finished(run)) follow(run.runId);
}

// Reads a run's events until run_finished, the stream's end, or abort; how many were new.
async function read(response, controller) {
  let fresh = 0;
  for await (const message of events(response, controller.signal)) {
    if (controller.signal.aborted) break;
    const ev = JSON.parse(message.data);
    // After the stream started, a failure comes as an `error` event carrying the error envelope.
    if (message.event === "error" || !Number.isInteger(ev.seq)) throw new ApiError(0, ev);
    if (ev.type === "run_started" && run.runId === null) adopt(ev.run_id);
    const offset = Date.now() / 1000 - ev.ts;
    clockOffset = clockOffset === null ? offset : Math.min(clockOffset, offset);
    if (apply(run, ev)) {
      fresh++;
      schedule();
    }
  }
  return fresh;
}

function adopt(runId) {
  run.runId = runId;
  $("#run-panel").hidden = false;
  runTab(runId);
  // The address names the run, so a reload (or a bookmark) comes back to it; only while it is shown.
  if (!$("#view-run").hidden) history.replaceState(null, "", `#run/${encodeURIComponent(runId)}`);
}

// Follows a run from the event after the last one seen, reconnecting as EventSource would.
async function follow(runId) {
  const controller = (follower = new AbortController());
  for (let attempt = 0; !controller.signal.aborted && !finished(run); attempt++) {
    try {
      const headers = { "last-event-id": String(run.lastSeq) };
      const response = await call(`/runs/${encodeURIComponent(runId)}/events`, { headers, signal: controller.signal });
      if (!response.ok) throw await failure(response);
      if ((await read(response, controller)) > 0) attempt = 0;
      notice(null);
      if (!finished(run) && !controller.signal.aborted && (await ended(runId, controller))) return;
    } catch (error) {
      if (controller.signal.aborted) return;
      if (fatal(error)) return showError($("#run-error"), error);
      notice(`Connection lost; resuming… (${error.message})`);
    }
    await sleep(RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]);
  }
}

// A request error will not go away by asking again; a lost connection, a 5xx or a full queue may.
function fatal(error) {
  return error.status >= 400 && error.status < 500 && ![408, 429].includes(error.status);
}

// A stream that ended without run_finished: if the run has ended anyway (its last event could not be
// stored), say so from its state instead of asking again forever.
async function ended(runId, controller) {
  const state = await json(`/runs/${encodeURIComponent(runId)}`, { signal: controller.signal });
  if (!finished(state)) return false;
  Object.assign(run, { status: state.status, error: state.error ?? run.error });
  if (state.answer) run.answer = state.answer;
  schedule();
  return true;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function notice(text) {
  const node = $("#run-notice");
  node.hidden = !text;
  node.textContent = text ?? "";
}

async function decide(task, approved, buttons) {
  const action = approved ? "approve" : "deny";
  buttons.forEach((b) => { b.disabled = true; });
  try {
    await json(`/runs/${encodeURIComponent(run.runId)}/${action}`, { method: "POST", body: { task_id: task.id } });
  } catch (error) {
    buttons.forEach((b) => { b.disabled = false; });
    showError($("#run-error"), error);
  }
}

async function cancel() {
  if (!run.runId) return;
  try {
    await json(`/runs/${encodeURIComponent(run.runId)}/cancel`, { method: "POST", body: {} });
  } catch (error) {
    showError($("#run-error"), error);
  }
}

function schedule() {
  if (drawPending) return;
  drawPending = true;
  requestAnimationFrame(() => { drawPending = false; draw(); });
}

function persist() {
  const now = Date.now();
  if (!run.runId || (now - savedAt < SAVE_EVERY_MS && !finished(run) && run.status !== "waiting_approval")) return;
  savedAt = now;
  save(run.runId, run.events);
}

function draw() {
  persist();
  $("#run-id").textContent = run.runId ?? "";
  const status = $("#run-status");
  status.textContent = run.status.replace("_", " ");
  status.dataset.status = run.status;
  $("#run-query-shown").textContent = run.query ?? (run.plan ? "given plan" : "");
  $("#run-cancel").disabled = finished(run) || !run.runId;
  if (run.error) showError($("#run-error"), run.error);
  graph.render(run);
  drawTimeline($("#run-timeline"), run, Date.now() / 1000 - (clockOffset ?? 0));
  $("#run-answer").textContent = run.answer;
  announce();
}

function announce() {
  const names = waiting(run).map((t) => t.tool);
  $("#run-announce").textContent = names.length ? `Waiting for approval: ${names.join(", ")}` : "";
  const first = document.querySelector(".node[data-state=waiting] .approve");
  if (first && document.activeElement === document.body) first.focus();
}
