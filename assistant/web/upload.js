// Uploads: several files at once, chosen or dropped on the panel, each with its own progress
// bar (bytes sent, then reading, then embedding with an estimate of the time left) and its own
// outcome. A file whose name is an indexed document's is replaced only when the user says so.
import { $, apiError, authorization, call, el } from "./util.js";

const STAGES = { queued: "waiting", parsing: "reading", embedding: "embedding" };
let afterUpload = async () => {};

export function onUploaded(handler) { afterUpload = handler; }

// POST with the bytes' progress (fetch reports none): resolves with the job, rejects like call().
function send(form, onBytes) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", "/v1/documents");
    for (const [name, value] of Object.entries(authorization())) request.setRequestHeader(name, value);
    request.upload.addEventListener("progress", (e) => { if (e.lengthComputable) onBytes(e.loaded / e.total); });
    request.addEventListener("load", () => {
      let body = {};
      try { body = JSON.parse(request.responseText); } catch { /* not JSON */ }
      if (request.status < 300) return resolve(body);
      reject(apiError(request.status, request.statusText, body));
    });
    request.addEventListener("error", () => reject(new Error("the upload did not reach the server")));
    request.send(form);
  });
}

function seconds(s) {
  if (s < 60) return `${Math.max(1, Math.round(s))} s`;
  return `${Math.round(s / 60)} min`;
}

// One file's row: its name, a bar, and a line saying where it is.
function fileRow(name) {
  const bar = el("progress", { max: "1", value: "0", "aria-label": `Progress of ${name}` });
  const line = el("span", { class: "muted small upload-line" }, "sending…");
  const row = el("li", { class: "upload-item", "data-name": name }, el("span", { class: "upload-name" }, name), bar, line);
  return { row, bar, line };
}

// Follows a job to its end, moving the bar: embedding's share of the work is estimated from
// how fast it has gone so far.
export async function follow(job, bar, line) {
  let embeddingSince = null;
  while (job.state !== "ready" && job.state !== "failed") {
    if (job.state === "embedding") {
      embeddingSince ??= { at: performance.now(), progress: job.progress };
      bar.value = job.progress;
      const gone = (performance.now() - embeddingSince.at) / 1000;
      const done = job.progress - embeddingSince.progress;
      const left = done > 0.02 ? gone * (1 - job.progress) / done : null;
      line.textContent = `embedding ${Math.round(job.progress * 100)}%` + (left !== null ? ` · about ${seconds(left)} left` : "");
    } else {
      bar.removeAttribute("value");  // reading or waiting: a bar that moves without a share
      line.textContent = STAGES[job.state] || job.state;
    }
    await new Promise((r) => setTimeout(r, 500));
    job = await call(`/v1/documents/${encodeURIComponent(job.doc_id)}`);
  }
  bar.value = job.state === "ready" ? 1 : bar.value || 0;
  return job;
}

async function uploadOne(file, labels, list) {
  const { row, bar, line } = fileRow(file.name);
  list.append(row);
  row.scrollIntoView({ block: "nearest" });  // on a phone the panel is below the conversation
  const form = new FormData();
  form.append("file", file);
  for (const [key, value] of Object.entries(labels)) if (value) form.append(key, value);
  const onBytes = (share) => { bar.value = share * 0.05; line.textContent = `sending ${Math.round(share * 100)}%`; };
  try {
    let job;
    try {
      job = await send(form, onBytes);
    } catch (error) {
      if (error.status !== 409) throw error;
      // The same document id is indexed already: replace it only if the user says so.
      line.textContent = error.reason + ". ";
      const replace = await new Promise((resolve) => {
        const yes = el("button", { type: "button", class: "link replace", onclick: () => resolve(true) }, "Replace it");
        const no = el("button", { type: "button", class: "link", onclick: () => resolve(false) }, "Keep the indexed one");
        line.append(yes, " ", no);
      });
      if (!replace) { line.textContent = "kept the indexed document"; row.classList.add("done"); return; }
      form.set("replace", "true");
      job = await send(form, onBytes);
    }
    job = await follow(job, bar, line);
    row.classList.add(job.state === "ready" ? "done" : "failed");
    line.textContent = job.state === "ready" ? (job.message || `${job.doc_id} is indexed`) : `${job.doc_id}: ${job.message}`;
  } catch (error) {
    row.classList.add("failed");
    line.textContent = "Error: " + error.message;
  }
}

async function uploadAll(files, labels) {
  if (!files.length) return;
  const list = $("upload-list");
  list.querySelectorAll("li.done").forEach((row) => row.remove());  // the last batch's, gone well
  $("upload-status").textContent = files.length > 1 ? `Uploading ${files.length} files…` : "";
  await Promise.all([...files].map((file) => uploadOne(file, labels, list)));
  const failed = list.querySelectorAll("li.failed").length;
  $("upload-status").textContent = failed ? `${failed} of the uploads did not go in: see why beside each.` : "";
  await afterUpload();
}

export function setUpUpload() {
  const form = $("upload-form");
  const labels = () => Object.fromEntries(["company", "period", "type"].map((k) => [k, form.elements[k].value.trim()]));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const files = [...$("upload-file").files];
    const given = labels();
    form.reset();
    await uploadAll(files, given);
  });
  // Files dropped anywhere on the documents panel are uploaded as if chosen.
  const zone = $("documents");
  zone.addEventListener("dragover", (event) => { event.preventDefault(); zone.classList.add("dropping"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("dropping"));
  zone.addEventListener("drop", async (event) => {
    event.preventDefault();
    zone.classList.remove("dropping");
    await uploadAll([...event.dataTransfer.files], labels());
  });
}
