// The plan drawn as it unfolds: one group per planning round, columns by depth, a card per task,
// arrows from each $N input. Cards are kept by key and updated in place, so focus on an Approve
// button and an opened result survive every redraw.

import { callText, el } from "./dom.js";
import { depths } from "./runstate.js";

const SVG = "http://www.w3.org/2000/svg";

export const LABELS = {
  pending: "pending",
  running: "running",
  waiting: "waiting for approval",
  done: "done",
  failed: "failed",
  skipped: "skipped",
  cancelled: "not run",
};

export class GraphView {
  constructor(root, { onDecide }) {
    this.root = root;
    this.onDecide = onDecide;
    this.cards = new Map();
    this.groups = new Map();
    // Edges follow the cards: redrawn when a result opens, the window resizes or the view shows again.
    this.resized = new ResizeObserver(() => this.redrawEdges());
    this.run = null;
  }

  reset() {
    this.resized.disconnect();
    this.root.replaceChildren();
    this.cards.clear();
    this.groups.clear();
  }

  render(run) {
    this.run = run;
    for (const [number, info] of run.rounds) {
      const group = this.group(number, info);
      const depth = depths(run, info.keys);
      for (const key of info.keys) this.place(group, run.tasks.get(key), depth.get(key));
    }
    this.redrawEdges();
  }

  redrawEdges() {
    if (this.run === null) return;
    for (const group of this.groups.values()) drawEdges(group, this.run, this.cards);
  }

  group(number, info) {
    let group = this.groups.get(number);
    if (!group) {
      const title = el("h3", { text: number === 1 ? "Round 1" : `Round ${number} (replan)` });
      const reason = el("p", { class: "muted reason" });
      const dag = el("div", { class: "dag" }, document.createElementNS(SVG, "svg"));
      const thoughts = el("ul", { class: "thoughts muted" });
      group = { node: el("section", { class: "round", "data-round": number }, title, reason, dag, thoughts), dag, columns: [] };
      this.groups.set(number, group);
      this.root.append(group.node);
      this.resized.observe(dag);
    }
    group.node.querySelector(".reason").textContent = info.reason ?? "";
    const thoughts = group.node.querySelector(".thoughts");
    if (thoughts.children.length !== info.thoughts.length) {
      thoughts.replaceChildren(...info.thoughts.map((text) => el("li", { text: `Thought: ${text}` })));
    }
    return group;
  }

  place(group, task, depth) {
    while (group.columns.length <= depth) {
      const column = el("div", { class: "column" });
      group.columns.push(column);
      group.dag.append(column);
      this.resized.observe(column);
    }
    let card = this.cards.get(task.key);
    if (!card) {
      card = this.card(task);
      this.cards.set(task.key, card);
      group.columns[depth].append(card.node);
    }
    update(card, task, this.onDecide);
  }

  card(task) {
    const badge = el("span", { class: "badge" });
    const head = el("div", { class: "node-head" }, el("span", { class: "tid", text: `$${task.id}` }), el("span", { class: "tool", text: task.tool }), badge);
    const args = el("code", { class: "args" });
    const decide = el("div", { class: "decide" });
    const result = el("details", { class: "result", hidden: true }, el("summary", { text: "Result" }), el("pre", { class: "text" }));
    const node = el("article", { class: "node", "data-task": task.key, "data-tool": task.tool }, head, args, decide, result);
    if (task.thought) node.insertBefore(el("p", { class: "thought muted", text: task.thought }), args);
    if (task.source !== "builtin") head.append(el("span", { class: "source", text: task.source }));
    return { node, badge, args, decide, result };
  }
}

function update(card, task, onDecide) {
  card.node.dataset.state = task.state;
  card.badge.textContent = task.errorCode && task.state !== "done" ? `${LABELS[task.state]}: ${task.errorCode}` : LABELS[task.state];
  card.args.textContent = callText(task.tool, task.args);
  card.node.setAttribute("aria-label", `Task ${task.id}, ${task.tool}: ${card.badge.textContent}`);
  if (task.state === "waiting" && !card.decide.firstChild) {
    card.decide.append(...decision(task, onDecide));
  } else if (task.state !== "waiting" && card.decide.firstChild) {
    card.decide.replaceChildren();
  }
  const text = resultText(task);
  card.result.hidden = text === null;
  card.result.querySelector("pre").textContent = text ?? "";
}

function decision(task, onDecide) {
  const what = `${task.tool} ($${task.id})`;
  const approve = el("button", { type: "button", class: "approve", text: "Approve", "aria-label": `Approve ${what}` });
  const deny = el("button", { type: "button", class: "deny", text: "Deny", "aria-label": `Deny ${what}` });
  const buttons = [approve, deny];
  approve.addEventListener("click", () => onDecide(task, true, buttons));
  deny.addEventListener("click", () => onDecide(task, false, buttons));
  const waits = task.timeoutS ? el("span", { class: "waits muted", text: `skipped if undecided within ${task.timeoutS} s` }) : null;
  return [approve, deny, waits].filter(Boolean);
}

function resultText(task) {
  if (task.endTs === null) return null;
  if (task.state === "done") return task.result ?? task.observation ?? "";
  return task.error ?? task.observation ?? "";
}

// Arrows from each input's right edge to its consumer's left edge, in the group's own coordinates.
function drawEdges(group, run, cards) {
  const svg = group.dag.querySelector("svg");
  const rect = group.dag.getBoundingClientRect();
  const box = { left: rect.left - group.dag.scrollLeft, top: rect.top - group.dag.scrollTop };
  svg.setAttribute("width", String(group.dag.scrollWidth));
  svg.setAttribute("height", String(group.dag.scrollHeight));
  svg.replaceChildren();
  for (const card of group.dag.querySelectorAll(".node")) {
    const task = run.tasks.get(card.dataset.task);
    for (const id of task.dependsOn) {
      const from = cards.get(`${task.round}:${id}`);
      if (from) svg.append(edge(from.node.getBoundingClientRect(), card.getBoundingClientRect(), box, id, task.id));
    }
  }
}

function edge(a, b, box, fromId, toId) {
  const x1 = a.right - box.left;
  const y1 = a.top + a.height / 2 - box.top;
  const x2 = b.left - box.left;
  const y2 = b.top + b.height / 2 - box.top;
  const bend = Math.max(20, (x2 - x1) / 2);
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", `M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}`);
  path.setAttribute("class", "edge");
  path.setAttribute("data-edge", `${fromId}->${toId}`);
  return path;
}
