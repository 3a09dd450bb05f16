// The console's entry: views by address (#run, #run/<id>, #runs, #tools, #chat, #status) and the key
// dialog that every view's API calls fall back on.

import { json, onKeyNeeded, setKey } from "./api.js";
import { $ } from "./dom.js";
import * as chat from "./chat.js";
import * as run from "./run.js";
import * as runs from "./runs.js";
import * as status from "./status.js";
import * as tools from "./tools.js";

const VIEWS = { run, runs, tools, chat, status };
let keyWaiters = [];

// Run ids are the server's ("run-" and hex); anything else in the address is ignored, never sent.
const RUN_ID = /^run-[0-9a-zA-Z]+$/;

function route() {
  const [name, ...rest] = location.hash.replace(/^#/, "").split("/");
  const view = VIEWS[name] ? name : "run";
  for (const key of Object.keys(VIEWS)) $(`#view-${key}`).hidden = key !== view;
  for (const tab of document.querySelectorAll("nav a")) {
    if (tab.dataset.tab === view) tab.setAttribute("aria-current", "page");
    else tab.removeAttribute("aria-current");
  }
  VIEWS[view].show?.(argument(rest.join("/")));
}

function argument(text) {
  try {
    const value = decodeURIComponent(text);
    return RUN_ID.test(value) ? value : undefined;
  } catch {
    return undefined; // a malformed address: the view without a run
  }
}

// Resolves once the person has entered a key; a second 401 shows the dialog again, saying so.
function askForKey(refused) {
  const dialog = $("#key-dialog");
  $("#key-refused").hidden = !refused;
  if (!dialog.open) dialog.showModal();
  $("#key-input").focus();
  return new Promise((resolve) => keyWaiters.push(resolve));
}

function keySubmitted(event) {
  event.preventDefault();
  setKey($("#key-input").value.trim());
  $("#key-input").value = "";
  $("#key-dialog").close();
  const waiters = keyWaiters;
  keyWaiters = [];
  waiters.forEach((resolve) => resolve());
}

function start() {
  onKeyNeeded(askForKey);
  $("#key-form").addEventListener("submit", keySubmitted);
  // Escape would leave the waiting calls hanging: the dialog stays until a key is given.
  $("#key-dialog").addEventListener("cancel", (e) => e.preventDefault());
  $("#key-dialog").addEventListener("close", () => { if (keyWaiters.length) $("#key-dialog").showModal(); });
  for (const view of Object.values(VIEWS)) view.init?.();
  window.addEventListener("hashchange", route);
  route();
  status.pill();
  setInterval(status.pill, 5000);
  json("/v1/models").catch(() => {}); // asks for the key at once when the server has one
}

start();
