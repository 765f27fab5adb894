// The document panel: the indexed documents with when each was added and its size, filter
// chips (company, period, type) that narrow the list and the questions, delete, upload, and
// example questions drawn from what is loaded.
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

function documentItem(d) {
  const added = (d.added_at || "").slice(0, 10);
  const remove = el("button", { type: "button", class: "link delete", "data-doc": d.doc_id,
    "aria-label": `Delete ${d.title}` }, "Delete");
  remove.addEventListener("click", async () => {
    if (!confirm(`Delete ${d.title} (${d.doc_id}) from the index?`)) return;
    remove.disabled = true;
    try {
      await call(`/v1/documents/${encodeURIComponent(d.doc_id)}`, { method: "DELETE" });
      $("upload-status").textContent = `${d.doc_id} was deleted.`;
      await loadDocuments();
    } catch (error) {
      remove.disabled = false;
      $("upload-status").textContent = "Error: " + error.message;
    }
  });
  const facts = [d.company, d.period, d.type, plural(d.chunks, "passage"), added && `added ${added}`].filter(Boolean);
  return el("li", { "data-doc": d.doc_id },
    el("span", { class: "doc-title" }, d.title), " ", remove,
    el("span", { class: "muted doc-facts" }, facts.join(" · ")));
}

function render() {
  const shown = documents.filter(matches);
  $("document-chips").replaceChildren(...chips());
  $("document-list").replaceChildren(...shown.map(documentItem));
  const narrowed = shown.length !== documents.length;
  $("document-count").textContent = narrowed
    ? `${shown.length} of ${plural(documents.length, "document")}` : plural(documents.length, "document");
  renderExamples();
}

// Example questions from the documents loaded, shown while the conversation is empty.
export function exampleQuestions(docs) {
  const out = [];
  for (const d of docs) {
    if (d.company && d.period && d.type === "transcript") out.push(`What was ${d.company}'s revenue in ${d.period}?`);
    if (d.company && d.type === "transcript") out.push(`What guidance did ${d.company} give${d.period ? " on its " + d.period + " call" : ""}?`);
    if (d.type === "filing") out.push(`What does ${d.company || d.title} report for total assets?`);
  }
  return [...new Set(out)].slice(0, 3);
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

export function setUpUpload() {
  $("upload-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    for (const key of ["company", "period", "type"]) if (!form.get(key)) form.delete(key);
    $("upload-status").textContent = "Uploading…";
    try {
      let job;
      try {
        job = await call("/v1/documents", { method: "POST", body: form });
        if (job.state === "ready") {  // these bytes are indexed already, under this id
          $("upload-status").textContent = job.message;
          event.target.reset();
          return;
        }
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
      await loadDocuments();
    } catch (error) {
      $("upload-status").textContent = "Error: " + error.message;
    }
  });
}
