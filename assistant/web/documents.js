// The document panel: the indexed documents grouped by company, with when each was added and
// its size, filter chips (company, period, type) that narrow the list and the questions, a
// correction of a document's company and period, delete, and example questions drawn from
// what is loaded.
import { follow } from "./upload.js";
import { $, call, el } from "./util.js";

const FACETS = [["company", "Company"], ["period", "Period"], ["type", "Type"]];
export const chosen = { company: null, period: null, type: null };
let documents = [];
let onChange = () => {};

export function onFiltersChange(handler) { onChange = handler; }

// The filters a question is sent with: what the chips choose.
export function questionFilters() {
  const filters = {};
  if (chosen.company) filters.company = chosen.company;
  if (chosen.period) filters.period = chosen.period;
  if (chosen.type) filters.doc_type = chosen.type;
  return Object.keys(filters).length ? filters : null;
}

const matches = (d) => FACETS.every(([key]) => !chosen[key] || d[key] === chosen[key]);

function plural(n, word) { return `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`; }

function chips() {
  const rows = [];
  for (const [key, label] of FACETS) {
    const values = [...new Set(documents.map((d) => d[key]).filter(Boolean))].sort();
    if (values.length < 2 && !chosen[key]) continue;
    const row = el("div", { class: "chips", role: "group", "aria-label": label }, el("span", { class: "chip-label" }, label));
    for (const value of values) {
      const on = chosen[key] === value;
      row.append(el("button", {
        type: "button", class: on ? "chip on" : "chip", "aria-pressed": String(on), "data-facet": key, "data-value": value,
        onclick: () => { chosen[key] = on ? null : value; render(); onChange(); },
      }, value));
    }
    rows.push(row);
  }
  return rows;
}

// Delete asks in place (no browser dialog): the button becomes "Delete X? Delete · Keep".
function deleteButton(d) {
  const remove = el("button", { type: "button", class: "link delete", "data-doc": d.doc_id,
    "aria-label": `Delete ${d.title}` }, "Delete");
  remove.addEventListener("click", () => {
    const yes = el("button", { type: "button", class: "link confirm-delete" }, "Delete");
    const no = el("button", { type: "button", class: "link" }, "Keep");
    const ask = el("span", { class: "confirm", role: "group", "aria-label": `Delete ${d.title}?` },
      `Delete ${d.doc_id}? `, yes, " · ", no);
    remove.replaceWith(ask);
    no.addEventListener("click", () => ask.replaceWith(remove));
    yes.addEventListener("click", async () => {
      yes.disabled = true;
      try {
        await call(`/v1/documents/${encodeURIComponent(d.doc_id)}`, { method: "DELETE" });
        $("upload-status").textContent = `${d.doc_id} was deleted.`;
        await loadDocuments();
      } catch (error) {
        ask.replaceWith(remove);
        $("upload-status").textContent = "Error: " + error.message;
      }
    });
    yes.focus();
  });
  return remove;
}

// Correct what a document is said to be: it is read again with the new company and period.
function editButton(d, item) {
  const edit = el("button", { type: "button", class: "link edit", "data-doc": d.doc_id,
    "aria-label": `Correct the company or period of ${d.title}` }, "Edit");
  edit.addEventListener("click", () => {
    const company = el("input", { name: "company", value: d.company || "", "aria-label": "Company" });
    const period = el("input", { name: "period", value: d.period || "", "aria-label": "Period", placeholder: "e.g. Q3 2022" });
    const bar = el("progress", { max: "1", value: "0", hidden: "" });
    const line = el("span", { class: "muted small" });
    const cancel = el("button", { type: "button", class: "link" }, "Cancel");
    const form = el("form", { class: "relabel" }, company, period, el("button", { type: "submit", class: "small" }, "Save"), cancel, bar, line);
    cancel.addEventListener("click", () => form.remove());
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        let job = await call(`/v1/documents/${encodeURIComponent(d.doc_id)}`, {
          method: "PATCH", headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ company: company.value.trim() || null, period: period.value.trim() || null }),
        });
        bar.hidden = false;
        job = await follow(job, bar, line);
        if (job.state === "failed") { line.textContent = job.message; return; }
        $("upload-status").textContent = `${d.doc_id}: ${[job.document?.company, job.document?.period].filter(Boolean).join(" · ")}`;
        await loadDocuments();
      } catch (error) {
        line.textContent = "Error: " + error.message;
      }
    });
    item.append(form);
    company.focus();
  });
  return edit;
}

function documentItem(d) {
  const added = (d.added_at || "").slice(0, 10);
  const item = el("li", { "data-doc": d.doc_id });
  const facts = [d.period, d.type, plural(d.chunks, "passage"), added && `added ${added}`].filter(Boolean);
  item.append(el("span", { class: "doc-title" }, d.title), " ",
    el("span", { class: "doc-actions" }, editButton(d, item), deleteButton(d)),
    el("span", { class: "muted doc-facts" }, facts.join(" · ")));
  return item;
}

const periodKey = (p) => {
  const m = (p || "").match(/^(?:Q(\d)|H(\d)|FY)\s?(\d{4})$/);
  return m ? Number(m[3]) * 10 + Number(m[1] || (m[2] ? 2 * m[2] : 5)) : 0;
};

// The list grouped by company (then by period, oldest first), documents without one last.
function grouped(shown) {
  const byCompany = new Map();
  const sorted = [...shown].sort((a, b) => (a.company || "\uffff").localeCompare(b.company || "\uffff")
    || periodKey(a.period) - periodKey(b.period) || a.title.localeCompare(b.title));
  for (const d of sorted) {
    const key = d.company || "Company not known";
    if (!byCompany.has(key)) byCompany.set(key, []);
    byCompany.get(key).push(d);
  }
  return [...byCompany].map(([company, docs]) => el("li", { class: "company-group", "data-company": company },
    el("h3", {}, company, el("span", { class: "muted small" }, ` ${plural(docs.length, "document")}`)),
    el("ul", {}, ...docs.map(documentItem))));
}

function render() {
  const shown = documents.filter(matches);
  $("document-chips").replaceChildren(...chips());
  $("document-list").replaceChildren(...grouped(shown));
  const narrowed = shown.length !== documents.length;
  $("document-count").textContent = narrowed
    ? `${shown.length} of ${plural(documents.length, "document")}` : plural(documents.length, "document");
  renderExamples();
}

// Example questions from the documents loaded, the latest added first and one per company,
// shown while the conversation is empty.
export function exampleQuestions(docs) {
  const out = [];
  const seen = new Set();
  const latest = [...docs].sort((a, b) => (b.added_at || "").localeCompare(a.added_at || ""));
  for (const d of latest) {
    const company = d.company || d.title;
    if (seen.has(company)) continue;
    seen.add(company);
    if (d.type === "transcript") {
      out.push(d.period ? `What was ${company}'s revenue in ${d.period}?` : `What guidance did ${company} give?`);
    } else {
      out.push(d.period ? `What was ${company}'s net income in ${d.period}?` : `What does ${company} report for total assets?`);
    }
  }
  return out.slice(0, 3);
}

let ask = () => {};
export function onExample(handler) { ask = handler; }

export function renderExamples() {
  const box = $("examples");
  const empty = !document.querySelector("#conversation li");
  const questions = empty ? exampleQuestions(documents.filter(matches)) : [];
  box.hidden = !questions.length;
  box.replaceChildren(...(questions.length ? [el("span", { class: "muted" }, "Try: ")] : []),
    ...questions.map((q) => el("button", { type: "button", class: "example", onclick: () => ask(q) }, q)));
}

export async function loadDocuments() {
  try {
    ({ documents } = await call("/v1/documents"));
    for (const [key] of FACETS) if (chosen[key] && !documents.some((d) => d[key] === chosen[key])) chosen[key] = null;
    render();
  } catch (error) {
    documents = [];
    $("document-chips").replaceChildren();
    $("document-list").replaceChildren(el("li", { class: "muted" }, error.message));
  }
}
