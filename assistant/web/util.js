// Small helpers shared by the page's modules: elements, the token, and calls to the API.
export const $ = (id) => document.getElementById(id);

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

const TOKEN_KEY = "assistant-token";
export const token = {
  get: () => localStorage.getItem(TOKEN_KEY) || "",
  set: (value) => localStorage.setItem(TOKEN_KEY, value),
};

// The header that carries the API token, when the user gave one.
export function authorization() {
  return token.get() ? { Authorization: "Bearer " + token.get() } : {};
}

export async function call(path, options = {}) {
  const headers = { ...(options.headers || {}), ...authorization() };
  const response = await fetch(path, { ...options, headers });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw apiError(response.status, response.statusText, body);
  return body;
}

// An API error as the page shows it: its message with the hint, the status and the bare reason.
export function apiError(status, statusText, body) {
  const message = body.error || statusText;
  const error = new Error(body.hint ? `${message} (${body.hint})` : message);
  error.status = status;
  error.reason = message;
  return error;
}

// A file made in the page and saved by the browser (CSV of figures).
export function download(name, text, type) {
  const link = el("a", { href: URL.createObjectURL(new Blob([text], { type })), download: name });
  document.body.append(link);
  link.click();
  link.remove();
}

export function csvLine(values) {
  const quote = (v) => {
    const text = v === null || v === undefined ? "" : String(v);
    return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  return values.map(quote).join(",");
}
