// DOM helpers. Every piece of text from the server (model output, tool results, arguments) goes into
// the page through textContent, never innerHTML: it stays text whatever it contains.

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (value !== null && value !== undefined && value !== false) node.setAttribute(name, String(value));
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

export const $ = (selector, root = document) => root.querySelector(selector);

export function showError(node, error) {
  node.hidden = !error;
  node.textContent = error ? String(error.message ?? error) : "";
}

export function clear(node) {
  node.replaceChildren();
}

export function when(ts) {
  return new Date(ts * 1000).toLocaleString();
}

// A plan argument as the plan text writes it: strings quoted, lists bracketed.
export function argText(value) {
  return JSON.stringify(value);
}

export function callText(tool, args) {
  return `${tool}(${(args ?? []).map(argText).join(", ")})`;
}
