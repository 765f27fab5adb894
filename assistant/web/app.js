"use strict";
// The chat page: no framework, no CDN, nothing fetched from another origin. Talks to
// /v1/config, /v1/chat and /v1/documents; the conversation is kept in localStorage.
import { seriesChart } from "./chart.js";
import { chosen, loadDocuments, onExample, onFiltersChange, questionFilters, renderExamples } from "./documents.js";
import { closePassage, showPassage, where } from "./passage.js";
import { onUploaded, setUpUpload } from "./upload.js";
import { $, call, csvLine, download, el, token } from "./util.js";

const CONVERSATION_KEY = "assistant-conversation";
let turns = [];  // [{question, answer}], oldest first

function save() {
  try { localStorage.setItem(CONVERSATION_KEY, JSON.stringify(turns)); } catch { /* full: keep going */ }
}

// The sentences quoted for each citation: the text before each [n] in the answer.
function quotesOf(answer) {
  const quotes = {};
  const re = /([^\n]*?)\s*\[(\d+)\]/g;
  let m;
  while ((m = re.exec(answer.answer))) {
    const text = m[1].replace(/^[\s.;:—-]+/, "").replace(/\s*\[\d+\]\s*/g, " ").trim();
    (quotes[m[2]] ||= []).push(text);
  }
  return quotes;
}

function opener(answer) {
  const byN = Object.fromEntries(answer.citations.map((c) => [c.n, c]));
  const quotes = quotesOf(answer);
  return (n, button) => byN[n] && showPassage(byN[n], quotes[n] || [], answer.figures, button);
}

function citeButton(n, open) {
  const button = el("button", { class: "cite", type: "button", "data-n": String(n) }, `[${n}]`);
  button.addEventListener("click", () => open(n, button));
  return button;
}

// A figure as the source wrote it ("RMB363 million"); its value in base units on hover.
function figureCell(f) {
  const opts = { maximumFractionDigits: 4 };
  let base = Number(f.value).toLocaleString("en-US", opts);
  if (f.high !== null && f.high !== undefined) base += " – " + Number(f.high).toLocaleString("en-US", opts);
  return el("td", { class: "value", title: `${base} ${f.unit}` }, f.text);
}

const FLAG_NOTES = {
  spoken_by_ai: "read by a synthetic voice on the call",
  uncertain_transcription: "marked uncertain in the transcript",
};
const flagText = (flag) => FLAG_NOTES[flag] || flag.replaceAll("_", " ");

function figuresTable(answer, open) {
  const table = el("table", { class: "figures" },
    el("thead", {}, el("tr", {}, ...["Figure", "Metric", "Period", "Change", "Source"].map((h) => el("th", { scope: "col" }, h)))));
  const body = el("tbody");
  // A flag every figure shares (a turn voiced by AI) is said once under the table, not per row.
  const shared = answer.figures.length > 1
    ? answer.figures[0].flags.filter((flag) => answer.figures.every((f) => f.flags.includes(flag))) : [];
  answer.figures.forEach((f, k) => {
    const own = f.flags.filter((flag) => !shared.includes(flag));
    const flags = own.length ? el("span", { class: "flag" }, " " + own.map(flagText).join(", ")) : "";
    const metric = [f.metric || "", f.qualifier ? ` (${f.qualifier})` : "", f.column_path.length ? ` (${f.column_path.join(" › ")})` : ""].join("");
    const row = el("tr", k >= 3 ? { class: "more-row", hidden: "" } : {},
      figureCell(f), el("td", { class: "metric" }, metric), el("td", { class: "period" }, f.period || ""),
      el("td", { class: "change" }, f.change || (f.kind !== "actual" ? f.kind : "")),
      el("td", { class: "source" }, citeButton(f.citation, open), flags));
    body.append(row);
  });
  table.append(body);
  const wrap = el("div", { class: "table-wrap" }, table);
  if (shared.length) wrap.append(el("p", { class: "flag figures-note" }, `All these figures were ${shared.map(flagText).join(" and ")}.`));
  if (answer.figures.length > 3) {
    const more = el("button", { type: "button", class: "link more" }, `${answer.figures.length - 3} more`);
    more.addEventListener("click", () => {
      table.querySelectorAll("tr.more-row").forEach((r) => { r.hidden = false; });
      more.remove();
    });
    wrap.append(more);
  }
  return wrap;
}

// The answer as Markdown, its sources listed under it: what "Copy" puts on the clipboard.
export function answerMarkdown(question, answer) {
  const sources = answer.citations.map((c) => `[${c.n}] ${where(c)}`);
  return `**${question}**\n\n${answer.answer}\n\n${sources.length ? "Sources:\n" + sources.join("\n") + "\n" : ""}`;
}

function figuresCsv(answer) {
  const byN = Object.fromEntries(answer.citations.map((c) => [c.n, c]));
  const rows = answer.series.length
    ? answer.series.map((p) => ({ company: p.company, metric: p.metric, period: p.period, value: p.value,
        unit: p.unit, text: p.text, kind: p.kind, citation: p.citation, doc_id: byN[p.citation]?.doc_id }))
    : answer.figures.map((f) => ({ company: byN[f.citation]?.company, metric: f.metric, period: f.period,
        value: f.value, unit: f.unit, text: f.text, kind: f.kind, citation: f.citation, doc_id: byN[f.citation]?.doc_id }));
  const columns = ["company", "metric", "period", "value", "unit", "text", "kind", "citation", "doc_id"];
  return [csvLine(columns), ...rows.map((r) => csvLine(columns.map((c) => r[c])))].join("\n") + "\n";
}

async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
  const area = el("textarea", { class: "offscreen" });
  area.value = text;
  document.body.append(area);
  area.select();
  document.execCommand("copy");
  area.remove();
}

function renderAnswer(question, answer) {
  const open = opener(answer);
  const text = el("p", { class: "answer-text" });
  for (const part of answer.answer.split(/(\[\d+\])/)) {
    const m = part.match(/^\[(\d+)\]$/);
    text.append(m && answer.citations.some((c) => String(c.n) === m[1]) ? citeButton(Number(m[1]), open) : part);
  }
  const item = el("li", { class: answer.found ? "assistant" : "assistant not-found" });
  if (answer.scope && answer.scope.description) {
    // What the question was narrowed to, in one line: "Prologis · Q3 2022".
    const by = answer.scope.source === "filter" ? " (filter)" : "";
    item.append(el("p", { class: "scope" }, answer.scope.description + by));
  }
  item.append(text);
  if (answer.note) item.append(el("p", { class: "scope note" }, answer.note));
  if (answer.series && answer.series.length) item.append(seriesChart(answer, open));
  if (answer.figures.length && !(answer.series && answer.series.length)) item.append(figuresTable(answer, open));
  if (answer.citations.length) {
    const sources = el("ol", { class: "sources", "aria-label": answer.found ? "Sources" : "Nearest passages" });
    for (const c of answer.citations) {
      sources.append(el("li", {}, citeButton(c.n, open), " ", el("span", {}, where(c))));
    }
    item.append(el("p", { class: "sources-title" }, answer.found ? "Sources" : "Nearest passages"), sources);
  }
  const actions = el("div", { class: "actions" });
  const copy = el("button", { type: "button", class: "secondary small copy" }, "Copy answer");
  copy.addEventListener("click", async () => {
    try { await copyText(answerMarkdown(question, answer)); copy.textContent = "Copied"; }
    catch { copy.textContent = "Copy failed"; }
    setTimeout(() => { copy.textContent = "Copy answer"; }, 1500);
  });
  actions.append(copy);
  if (answer.figures.length || (answer.series && answer.series.length)) {
    const csv = el("button", { type: "button", class: "secondary small download" }, "Download CSV");
    csv.addEventListener("click", () => download("figures.csv", figuresCsv(answer), "text/csv"));
    actions.append(csv);
  }
  item.append(actions);
  return item;
}

function show(turn) {
  $("conversation").append(el("li", { class: "user" }, turn.question), renderAnswer(turn.question, turn.answer));
}

async function ask(question) {
  question = question.trim();
  if (!question) return;
  const messages = turns.flatMap((t) => [{ role: "user", content: t.question }, { role: "assistant", content: t.answer.answer }]);
  messages.push({ role: "user", content: question });
  const pending = el("li", { class: "user" }, question);
  $("conversation").append(pending);
  renderExamples();
  $("question").value = "";
  $("ask").disabled = true;
  $("status").textContent = "Searching the documents…";
  try {
    const filters = questionFilters();
    const answer = await call("/v1/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ messages: messages.slice(-50), ...(filters ? { filters } : {}) }),
    });
    pending.remove();
    const turn = { question, answer };
    turns.push(turn);
    save();
    show(turn);
    $("status").textContent = "";
  } catch (error) {
    pending.remove();
    $("question").value = question;
    $("status").textContent = "Error: " + error.message;
  } finally {
    $("ask").disabled = false;
    $("question").focus();
    renderExamples();
  }
}

function describeFilters() {
  const parts = [chosen.company, chosen.period, chosen.type].filter(Boolean);
  $("asking-within").textContent = parts.length ? `Asking within: ${parts.join(" · ")}` : "";
}

$("ask-form").addEventListener("submit", (event) => { event.preventDefault(); ask($("question").value); });
$("new-chat").addEventListener("click", () => {
  turns = [];
  save();
  $("conversation").replaceChildren();
  closePassage();
  renderExamples();
  $("question").focus();
});
$("passage-close").addEventListener("click", closePassage);
document.addEventListener("keydown", (event) => { if (event.key === "Escape") closePassage(); });
onExample((q) => ask(q));
onFiltersChange(describeFilters);
setUpUpload();
onUploaded(loadDocuments);

async function start() {
  try { turns = JSON.parse(localStorage.getItem(CONVERSATION_KEY) || "[]"); } catch { turns = []; }
  if (!Array.isArray(turns)) turns = [];
  turns = turns.filter((t) => t && t.question && t.answer && Array.isArray(t.answer.citations));
  turns.forEach(show);
  $("question").focus();
  // The token field only when the server asks for one.
  const config = await call("/v1/config").catch(() => ({ token_required: true }));
  const field = $("token");
  $("token-label").hidden = !config.token_required;
  field.value = token.get();
  field.addEventListener("change", () => { token.set(field.value); loadDocuments(); });
  await loadDocuments();
}

start();
