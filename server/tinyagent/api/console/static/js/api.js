// Every call to the server goes through here: the API key (if the server wants one) rides along as a
// bearer token from this tab's session storage, never in a URL; a 401 asks the person for the key.

const KEY = "tinyagent.key";
let askForKey = null;

export function onKeyNeeded(ask) {
  askForKey = ask;
}

export function setKey(key) {
  if (key) sessionStorage.setItem(KEY, key);
  else sessionStorage.removeItem(KEY);
}

function headers(extra, hasBody) {
  const result = { ...extra };
  const key = sessionStorage.getItem(KEY);
  if (key) result.authorization = `Bearer ${key}`;
  if (hasBody) result["content-type"] = "application/json";
  return result;
}

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `The server answered ${status}.`);
    this.status = status;
    this.code = body?.error?.code ?? null;
  }
}

// fetch with the key; after a 401 it waits for a key and tries again (a refused request did nothing).
export async function call(path, { method = "GET", body, headers: extra = {}, signal } = {}) {
  // A 401 despite a stored key means that key was refused (it changed on the server).
  for (let refused = sessionStorage.getItem(KEY) !== null; ; refused = true) {
    const response = await fetch(path, {
      method,
      headers: headers(extra, body !== undefined),
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      cache: "no-store",
    });
    if (response.status !== 401 || askForKey === null) return response;
    await askForKey(refused);
  }
}

export async function json(path, options) {
  const response = await call(path, options);
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export async function failure(response) {
  return new ApiError(response.status, await response.json().catch(() => null));
}

// Server-Sent Events from a fetch response (EventSource cannot send the key or a POST body).
// Stopping early (a break, or ``signal``) cancels the body, so the connection closes.
export async function* events(response, signal) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const stop = () => reader.cancel().catch(() => {});
  signal?.addEventListener("abort", stop);
  try {
    yield* parse(reader);
  } finally {
    signal?.removeEventListener("abort", stop);
    stop();
  }
}

async function* parse(reader) {
  let buffer = "";
  let event = { id: null, event: "message", data: [] };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    // A chunk may end between the \r and \n of one line end: keep that \r for the next chunk.
    const cut = buffer.endsWith("\r") ? buffer.length - 1 : buffer.length;
    const lines = buffer.slice(0, cut).split(/\r\n|\n|\r/);
    buffer = lines.pop() + buffer.slice(cut);
    for (const line of lines) {
      if (line === "") {
        if (event.data.length) yield { id: event.id, event: event.event, data: event.data.join("\n") };
        event = { id: null, event: "message", data: [] };
      } else if (!line.startsWith(":")) {
        const at = line.indexOf(":");
        const name = at < 0 ? line : line.slice(0, at);
        const text = at < 0 ? "" : line.slice(at + 1).replace(/^ /, "");
        if (name === "data") event.data.push(text);
        else if (name === "id" || name === "event") event[name] = text;
      }
    }
  }
}
