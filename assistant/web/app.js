"use strict";
// The chat page: no framework, no CDN. Talks to /v1/chat and /v1/documents.
const $ = (id) => document.getElementById(id);
const messages = [];          // the conversation sent to /v1/chat
const tokenInput = $("token");
tokenInput.value = localStorage.getItem("assistant-token") || "";
tokenInput.addEventListener("change", () => {
  localStorage.setItem("assistant-token", tokenInput.value);
  loadDocuments();
});

function headers(extra = {}) {
  const h = { ...extra };
  if (tokenInput.value) h["Authorization"] = "Bearer " + tokenInput.value;
  return h;
}

async function call(path, options = {}) {
  const response = await fetch(path, { ...options, headers: headers(options.headers) });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const message = body.error || response.statusText;
    const error = new Error(body.hint ? `${message} (${body.hint})` : message);
    error.status = response.status;
    error.reason = message;
    throw error;
  }
  return body;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

function formatValue(f) {
  const opts = { maximumFractionDigits: 4 };
  let text = Number(f.value).toLocaleString("en-US", opts);
  if (f.high !== null && f.high !== undefined) text += " – " + Number(f.high).toLocaleString("en-US", opts);
  return text;
}

function showPassage(citation, button) {
  document.querySelectorAll("button.cite.active").forEach((b) => b.classList.remove("active"));
  if (button) button.classList.add("active");
  $("passage").hidden = false;
  $("passage-n").textContent = `[${citation.n}]`;
  const who = citation.speaker
    ? `${citation.speaker}${citation.role ? " (" + citation.role + (citation.firm ? ", " + citation.firm : "") + ")" : ""}`
    : (citation.row_path.length ? citation.row_path.join(" › ") : (citation.heading || ""));
  const section = citation.section ? ` · ${citation.section === "qa" ? "Q&A" : "prepared remarks"}` : "";
  const [first, last] = citation.pages || [];
  const page = first ? (first === last ? `p. ${first} · ` : `pp. ${first}–${last} · `) : "";
  $("passage-meta").textContent = `${citation.title} · ${who}${section} · ${page}lines ${citation.lines[0]}–${citation.lines[1]}`;
  $("passage-text").textContent = citation.text;
  const tr = $("passage-translation");
  tr.hidden = !citation.translation;
  tr.textContent = citation.translation || "";
}

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  for (const child of children) node.append(child);
  return node;
}

// A series (one figure per quarter, for one company or several) as a small line chart drawn
// here, no library: one line per company, each point opening the passage it is quoted from.
// The viewBox scales to the column, down to 390 px.
const LINE_COLOURS = ["#1f5fbf", "#c0392b", "#2e8b57", "#8e44ad"];
const periodOrder = (p) => { const m = p.match(/^Q(\d) (\d{4})$/); return m ? Number(m[2]) * 4 + Number(m[1]) : 0; };

function seriesChart(answer, byN) {
  const points = answer.series;
  const periods = [...new Set(points.map((p) => p.period))].sort((a, b) => periodOrder(a) - periodOrder(b));
  const companies = [...new Set(points.map((p) => p.company))];
  const width = 360, height = 150 + (companies.length > 1 ? 14 : 0), left = 78, right = 26, top = 14;
  const bottom = 30 + (companies.length > 1 ? 14 : 0);
  const values = points.map((p) => p.value);
  let low = Math.min(...values), high = Math.max(...values);
  if (low === high) { low -= Math.abs(low) * 0.05 || 1; high += Math.abs(high) * 0.05 || 1; }
  const x = (period) => left + (periods.length === 1 ? (width - left - right) / 2
    : periods.indexOf(period) * (width - left - right) / (periods.length - 1));
  const y = (v) => top + (high - v) * (height - top - bottom) / (high - low);
  const chart = svg("svg", { class: "series-chart", viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-label": `${companies.join(", ")} ${points[0].metric} by quarter` });
  // The highest and lowest figures as written, beside their height on the left.
  const highest = points.find((p) => p.value === Math.max(...values));
  const lowest = points.find((p) => p.value === Math.min(...values));
  chart.append(svg("text", { x: left - 10, y: y(highest.value) + 4, class: "axis", "text-anchor": "end" }, highest.text));
  if (lowest !== highest) {
    chart.append(svg("text", { x: left - 10, y: y(lowest.value) + 4, class: "axis", "text-anchor": "end" }, lowest.text));
  }
  companies.forEach((company, k) => {
    const own = points.filter((p) => p.company === company);
    const colour = LINE_COLOURS[k % LINE_COLOURS.length];
    chart.append(svg("polyline", { class: "series-line", fill: "none", stroke: colour,
      points: own.map((p) => `${x(p.period)},${y(p.value)}`).join(" ") }));
    for (const p of own) {
      const dot = svg("circle", { class: "series-point", cx: x(p.period), cy: y(p.value), r: 5, tabindex: 0,
        role: "button", stroke: colour, color: colour, "data-n": p.citation, "data-period": p.period, "data-company": p.company },
        svg("title", {}, `${p.company} ${p.period}: ${p.text} [${p.citation}]`));
      const open = () => showPassage(byN[p.citation], null);
      dot.addEventListener("click", open);
      dot.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); open(); } });
      chart.append(dot);
    }
    if (companies.length > 1) {
      chart.append(svg("text", { x: left + k * 90, y: height - 4, class: "axis legend", style: `fill: ${colour}` }, company));
    }
  });
  for (const period of periods) {
    chart.append(svg("text", { x: x(period), y: height - bottom + 20, class: "axis period", "text-anchor": "middle" },
      period.replace(/^Q(\d) (\d{2})(\d{2})$/, "Q$1 '$3")));
  }
  return chart;
}

// The answer's figures as CSV: the series when there is one, else the figures table.
function figuresCsv(answer) {
  const byN = Object.fromEntries(answer.citations.map((c) => [c.n, c]));
  const quote = (v) => {
    const text = v === null || v === undefined ? "" : String(v);
    return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  const rows = answer.series.length
    ? answer.series.map((p) => ({ company: p.company, metric: p.metric, period: p.period, value: p.value,
        unit: p.unit, text: p.text, kind: p.kind, citation: p.citation, doc_id: byN[p.citation]?.doc_id }))
    : answer.figures.map((f) => ({ company: byN[f.citation]?.company, metric: f.metric, period: f.period,
        value: f.value, unit: f.unit, text: f.text, kind: f.kind, citation: f.citation, doc_id: byN[f.citation]?.doc_id }));
  const columns = ["company", "metric", "period", "value", "unit", "text", "kind", "citation", "doc_id"];
  return [columns.join(","), ...rows.map((r) => columns.map((c) => quote(r[c])).join(","))].join("\n") + "\n";
}

function downloadButton(answer) {
  const button = el("button", { class: "secondary download", type: "button" }, "Download CSV");
  button.addEventListener("click", () => {
    const link = el("a", { href: URL.createObjectURL(new Blob([figuresCsv(answer)], { type: "text/csv" })),
      download: "figures.csv" });
    document.body.append(link);
    link.click();
    link.remove();
  });
  return button;
}

function renderAnswer(answer) {
  const byN = Object.fromEntries(answer.citations.map((c) => [c.n, c]));
  const text = el("p", { class: "answer-text" });
  for (const part of answer.answer.split(/(\[\d+\])/)) {
    const m = part.match(/^\[(\d+)\]$/);
    if (m && byN[m[1]]) {
      const button = el("button", { class: "cite", type: "button", "data-n": m[1] }, part);
      button.addEventListener("click", () => showPassage(byN[m[1]], button));
      text.append(button);
    } else {
      text.append(part);
    }
  }
  const item = el("li", { class: answer.found ? "assistant" : "assistant not-found" }, text);
  if (answer.note) item.append(el("p", { class: "scope" }, answer.note));
  if (answer.scope && answer.scope.description) {
    // What the question was narrowed to, in one line: "Prologis · Q3 2022".
    const by = answer.scope.source === "filter" ? " (filter)" : "";
    item.prepend(el("p", { class: "scope" }, answer.scope.description + by));
  }
  if (answer.series && answer.series.length) item.append(seriesChart(answer, byN));
  if (answer.figures.length || (answer.series && answer.series.length)) item.append(downloadButton(answer));
  if (answer.figures.length) {
    const table = el("table", { class: "figures" },
      el("thead", {}, el("tr", {}, ...["Value", "Unit", "Metric", "Period", "Change", "Source"].map((h) => el("th", {}, h)))));
    const body = el("tbody");
    for (const f of answer.figures.slice(0, 6)) {
      const source = el("button", { class: "cite", type: "button" }, `[${f.citation}]`);
      source.addEventListener("click", () => showPassage(byN[f.citation], source));
      const flags = f.flags.length ? el("span", { class: "flag" }, " " + f.flags.join(", ").replaceAll("_", " ")) : "";
      body.append(el("tr", {},
        el("td", { class: "value", title: f.text }, formatValue(f)),
        el("td", {}, f.unit + (f.qualifier ? " " + f.qualifier : "")),
        el("td", {}, [f.metric || "", ...(f.column_path.length ? [" (" + f.column_path.join(" › ") + ")"] : [])].join("")),
        el("td", {}, f.period || ""),
        el("td", {}, f.change || ""),
        el("td", {}, source, flags)));
    }
    table.append(body);
    item.append(table);
  }
  if (!answer.found && answer.citations.length) {
    const nearest = el("div", { class: "sources" }, "Nearest passages: ");
    for (const c of answer.citations) {
      const b = el("button", { class: "cite", type: "button" }, `[${c.n}]`);
      b.addEventListener("click", () => showPassage(c, b));
      nearest.append(b);
    }
    item.append(nearest);
  }
  return item;
}

$("ask-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const question = $("question").value.trim();
  if (!question) return;
  $("conversation").append(el("li", { class: "user" }, question));
  messages.push({ role: "user", content: question });
  $("question").value = "";
  $("ask").disabled = true;
  $("status").textContent = "Searching the documents…";
  try {
    const answer = await call("/v1/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ messages }),
    });
    messages.push({ role: "assistant", content: answer.answer });
    $("conversation").append(renderAnswer(answer));
    $("status").textContent = "";
  } catch (error) {
    messages.pop();
    $("status").textContent = "Error: " + error.message;
  } finally {
    $("ask").disabled = false;
    $("question").focus();
  }
});

$("new-chat").addEventListener("click", () => {
  messages.length = 0;
  $("conversation").replaceChildren();
  $("passage").hidden = true;
});

async function loadDocuments() {
  try {
    const { documents } = await call("/v1/documents");
    $("document-list").replaceChildren(...documents.map((d) =>
      el("li", {}, d.title, el("span", { class: "muted" }, ` · ${d.type}${d.period ? " · " + d.period : ""} · ${d.chunks} passages`))));
  } catch (error) {
    $("document-list").replaceChildren(el("li", { class: "muted" }, error.message));
  }
}

$("upload-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  for (const key of ["company", "period", "type"]) if (!form.get(key)) form.delete(key);
  $("upload-status").textContent = "Uploading…";
  try {
    let job;
    try {
      job = await call("/v1/documents", { method: "POST", body: form });
    } catch (error) {
      // The same document id is indexed already: replace it only if the user says so.
      if (error.status !== 409 || !confirm(`${error.reason}. Replace it?`)) throw error;
      form.set("replace", "true");
      job = await call("/v1/documents", { method: "POST", body: form });
    }
    while (job.state !== "ready" && job.state !== "failed") {
      $("upload-status").textContent = `${job.doc_id}: ${job.state} ${Math.round(job.progress * 100)}%`;
      await new Promise((r) => setTimeout(r, 700));
      job = await call(`/v1/documents/${encodeURIComponent(job.doc_id)}`);
    }
    $("upload-status").textContent = job.state === "ready" ? `${job.doc_id} is indexed.` : `${job.doc_id}: ${job.message}`;
    event.target.reset();
    loadDocuments();
  } catch (error) {
    $("upload-status").textContent = "Error: " + error.message;
  }
});

loadDocuments();
