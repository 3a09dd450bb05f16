// When each task ran, on a clock from the first task's start to the last one's end: bars that overlap
// are tasks that ran in parallel.

import { el } from "./dom.js";

// ``now``: the server's clock now (a running task's bar ends there), in seconds.
export function drawTimeline(root, run, now) {
  const ran = [...run.tasks.values()].filter((t) => t.startTs !== null);
  if (!ran.length) return root.replaceChildren();
  const end = run.endTs ?? now;
  const first = Math.min(...ran.map((t) => t.startTs));
  const last = Math.max(...ran.map((t) => t.endTs ?? end));
  const span = Math.max(last - first, 0.001);
  const rows = ran.map((t) => lane(t, first, span, t.endTs ?? end));
  const offset = run.startTs === null ? "" : `, starting ${(first - run.startTs).toFixed(2)} s into the run`;
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
