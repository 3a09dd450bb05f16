// A run's state, rebuilt from its events alone (the same events whether they stream live, replay from
// the store or come back from this tab's session storage after a reload). No DOM here.

const TERMINAL = new Set(["succeeded", "failed", "cancelled", "interrupted", "timed_out"]);

export function newRun(runId = null) {
  return {
    runId,
    status: "starting",
    query: null,
    plan: null,
    startTs: null,
    endTs: null,
    lastSeq: 0,
    events: [],
    rounds: new Map(), // round -> { reason, keys: [task key...], thoughts: [the joiner's, after it] }
    tasks: new Map(), // "round:id" -> task
    answer: "",
    error: null,
  };
}

export const taskKey = (round, id) => `${round}:${id}`;
export const finished = (run) => TERMINAL.has(run.status);

function round(run, number, reason = null) {
  if (!run.rounds.has(number)) run.rounds.set(number, { reason, keys: [], thoughts: [] });
  const entry = run.rounds.get(number);
  if (reason) entry.reason = reason;
  return entry;
}

function onTask(run, ev) {
  const key = taskKey(ev.round, ev.task_id);
  round(run, ev.round).keys.push(key);
  run.tasks.set(key, {
    key,
    round: ev.round,
    id: ev.task_id,
    tool: ev.tool,
    args: ev.args,
    dependsOn: ev.depends_on ?? [],
    thought: ev.thought ?? null,
    source: ev.source ?? "builtin",
    state: "pending",
    startTs: null,
    endTs: null,
    result: null,
    errorCode: null,
    error: null,
    observation: null,
  });
}

function task(run, ev) {
  return run.tasks.get(taskKey(ev.round, ev.task_id));
}

function onStarted(run, ev) {
  const t = task(run, ev);
  if (!t) return;
  Object.assign(t, { state: "running", startTs: ev.ts, args: ev.args });
  if (run.status === "waiting_approval" && waiting(run).length === 0) run.status = "running";
}

function onFinished(run, ev) {
  const t = task(run, ev);
  if (!t) return;
  // A task that never started (denied, blocked by a failed input, a write already done) was skipped.
  const state = t.startTs === null ? "skipped" : ev.ok ? "done" : "failed";
  Object.assign(t, { state, endTs: ev.ts, result: ev.result, errorCode: ev.error_code, error: ev.error });
  t.observation = ev.observation;
  if (run.status === "waiting_approval" && waiting(run).length === 0) run.status = "running";
}

function onApproval(run, ev) {
  const t = task(run, ev);
  if (t) Object.assign(t, { state: "waiting", args: ev.args, timeoutS: ev.timeout_s });
  run.status = "waiting_approval";
}

function onRunFinished(run, ev) {
  Object.assign(run, { status: ev.status, endTs: ev.ts });
  if (ev.answer !== null && ev.answer !== undefined) run.answer = ev.answer;
  if (ev.error) run.error = ev.error;
  for (const t of run.tasks.values()) {
    if (["pending", "running", "waiting"].includes(t.state)) t.state = "cancelled";
  }
}

const HANDLERS = {
  run_started: (run, ev) => Object.assign(run, { runId: ev.run_id, status: "running", query: ev.query, plan: ev.plan, startTs: ev.ts }),
  task: onTask,
  task_started: onStarted,
  task_finished: onFinished,
  approval_required: onApproval,
  replan: (run, ev) => round(run, ev.round, ev.reason),
  thought: (run, ev) => round(run, ev.round).thoughts.push(ev.text),
  answer_token: (run, ev) => { run.answer += ev.text; },
  answer: (run, ev) => { run.answer = ev.text; },
  error: (run, ev) => { run.error = ev.message; },
  run_finished: onRunFinished,
};

// Applies one event; false for an event already seen (a resumed stream never repeats, but be sure).
export function apply(run, ev) {
  if (!Number.isInteger(ev.seq) || ev.seq <= run.lastSeq) return false;
  run.lastSeq = ev.seq;
  run.events.push(ev);
  HANDLERS[ev.type]?.(run, ev);
  return true;
}

export function waiting(run) {
  return [...run.tasks.values()].filter((t) => t.state === "waiting");
}

// Depth of each task in its round: 0 without inputs, else one more than its deepest input.
export function depths(run, keys) {
  const depth = new Map();
  const of = (key) => {
    if (depth.has(key)) return depth.get(key);
    depth.set(key, 0); // a guard against a cycle, which a valid plan never has
    const t = run.tasks.get(key);
    const inputs = t.dependsOn.map((id) => taskKey(t.round, id)).filter((k) => run.tasks.has(k));
    const value = inputs.length ? 1 + Math.max(...inputs.map(of)) : 0;
    depth.set(key, value);
    return value;
  };
  keys.forEach(of);
  return depth;
}
