// The cited passage beside the answer (below it on a phone): where it is from, its text with
// the quoted sentence and the answer's figures marked, scrolled into view.
import { $, el } from "./util.js";

// Marks over `text`: the quoted sentences (found as written) and the figures (by their
// spans), as non-overlapping [start, end, class] ranges.
export function markRanges(text, quotes, figures) {
  const ranges = [];
  for (const quote of quotes) {
    const at = quote.length > 12 ? text.indexOf(quote) : -1;
    if (at >= 0) ranges.push([at, at + quote.length, "quote"]);
  }
  for (const f of figures) {
    const [start, end] = f.span || [];
    if (f.source === "text" && end > start && text.slice(start, end) === f.text) ranges.push([start, end, "figure"]);
  }
  ranges.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  return ranges;
}

function marked(text, ranges) {
  const parts = [];
  let at = 0;
  const append = (start, end, cls, inner) => {
    if (start > at) parts.push(text.slice(at, start));
    parts.push(el("mark", { class: cls }, ...inner));
    at = end;
  };
  for (const [start, end, cls] of ranges) {
    if (start < at) continue;
    if (cls === "quote") {
      // Figures inside the quoted sentence are marked inside its mark.
      const inner = [];
      let pos = start;
      for (const [s, e, c] of ranges) {
        if (c !== "figure" || s < pos || e > end) continue;
        if (s > pos) inner.push(text.slice(pos, s));
        inner.push(el("mark", { class: "figure" }, text.slice(s, e)));
        pos = e;
      }
      if (pos < end) inner.push(text.slice(pos, end));
      append(start, end, cls, inner);
    } else {
      append(start, end, cls, [text.slice(start, end)]);
    }
  }
  if (at < text.length) parts.push(text.slice(at));
  return parts;
}

export function where(citation) {
  const who = citation.speaker
    ? `${citation.speaker}${citation.role ? " (" + citation.role + (citation.firm ? ", " + citation.firm : "") + ")" : ""}`
    : (citation.row_path.length ? citation.row_path.join(" › ") : (citation.heading || ""));
  const section = citation.section ? ` · ${citation.section === "qa" ? "Q&A" : "prepared remarks"}` : "";
  const [first, last] = citation.pages || [];
  const page = first ? (first === last ? `p. ${first} · ` : `pp. ${first}–${last} · `) : "";
  return `${citation.title}${who ? " · " + who : ""}${section} · ${page}lines ${citation.lines[0]}–${citation.lines[1]}`;
}

let opener = null;  // the marker that opened the passage, focused again on close

export function showPassage(citation, quotes, figures, button) {
  document.querySelectorAll("button.cite.active").forEach((b) => b.classList.remove("active"));
  if (button) button.classList.add("active");
  opener = button;
  const panel = $("passage");
  panel.hidden = false;
  $("passage-n").textContent = `[${citation.n}]`;
  $("passage-meta").textContent = where(citation);
  const own = figures.filter((f) => f.citation === citation.n);
  $("passage-text").replaceChildren(...marked(citation.text, markRanges(citation.text, quotes, own)));
  const tr = $("passage-translation");
  tr.hidden = !citation.translation;
  tr.textContent = citation.translation || "";
  // The panel into view (it sticks beside the answers; on a phone it is below them), then the
  // first mark into view inside the panel.
  panel.scrollIntoView({ block: "nearest" });
  const first = panel.querySelector("mark");
  if (first) first.scrollIntoView({ block: "nearest" });
}

export function closePassage() {
  const panel = $("passage");
  if (panel.hidden) return;
  panel.hidden = true;
  document.querySelectorAll("button.cite.active").forEach((b) => b.classList.remove("active"));
  if (opener && document.body.contains(opener)) opener.focus({ preventScroll: false });
  opener = null;
}
