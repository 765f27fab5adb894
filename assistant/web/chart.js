// A series (one figure per quarter, for one company or several) as a small line chart drawn
// here, no library: one line per company, each point opening the passage it is quoted from.
// Every quarter between the first and the last has its place on the axis: a quarter with no
// figure is a dashed gap, never a straight line across it. The viewBox scales to the column,
// down to 390 px.
const SVG = "http://www.w3.org/2000/svg";
const LINE_COLOURS = ["#1f5fbf", "#c0392b", "#2e8b57", "#8e44ad"];
const QUARTER_RE = /^Q(\d) (\d{4})$/;
const periodOrder = (p) => { const m = p.match(QUARTER_RE); return m ? Number(m[2]) * 4 + Number(m[1]) : 0; };
const TICKS = 4;

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  for (const child of children) node.append(child);
  return node;
}

// The quarters from the first to the last named, those between included.
export function axisPeriods(named) {
  const sorted = [...new Set(named)].sort((a, b) => periodOrder(a) - periodOrder(b));
  if (!sorted.length || !sorted.every((p) => QUARTER_RE.test(p))) return sorted;
  const out = [];
  for (let k = periodOrder(sorted[0]); k <= periodOrder(sorted.at(-1)); k++) {
    const year = Math.floor((k - 1) / 4), quarter = k - year * 4;
    out.push(`Q${quarter} ${year}`);
  }
  return out;
}

// Round steps for the value axis: 1, 2 or 5 times a power of ten.
function niceStep(span) {
  const raw = span / TICKS;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
}

function tickLabel(value, unit) {
  const compact = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 2 }).format(value);
  if (unit === "%") return `${compact}%`;
  if (unit === "USD") return `$${compact}`;
  return unit && unit !== "count" ? `${compact} ${unit}` : compact;
}

// Runs of consecutive quarters: a line joins the points of a run, never across a gap.
function runs(own, periods) {
  const out = [];
  let run = [];
  for (const period of periods) {
    const point = own.find((p) => p.period === period);
    if (point) run.push(point);
    else if (run.length) { out.push(run); run = []; }
  }
  if (run.length) out.push(run);
  return out;
}

export function seriesChart(answer, open) {
  const points = answer.series;
  const periods = axisPeriods(points.map((p) => p.period));
  const companies = [...new Set(points.map((p) => p.company))];
  const width = 360, height = 150 + (companies.length > 1 ? 14 : 0), left = 54, right = 22, top = 14;
  const bottom = 30 + (companies.length > 1 ? 14 : 0);
  const values = points.map((p) => p.value);
  let low = Math.min(...values), high = Math.max(...values);
  if (low === high) { low -= Math.abs(low) * 0.05 || 1; high += Math.abs(high) * 0.05 || 1; }
  const step = niceStep(high - low);
  low = Math.floor(low / step) * step;
  high = Math.ceil(high / step) * step;
  const x = (period) => left + (periods.length === 1 ? (width - left - right) / 2
    : periods.indexOf(period) * (width - left - right) / (periods.length - 1));
  const y = (v) => top + (high - v) * (height - top - bottom) / (high - low);
  const chart = svg("svg", { class: "series-chart", viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-label": `${companies.join(", ")} ${points[0].metric} by quarter` });
  for (let v = low; v <= high + step / 2; v += step) {
    chart.append(svg("line", { class: "grid", x1: left, x2: width - right, y1: y(v), y2: y(v) }));
    chart.append(svg("text", { x: left - 6, y: y(v) + 3, class: "axis tick", "text-anchor": "end" }, tickLabel(v, points[0].unit)));
  }
  const stated = new Set(points.map((p) => p.period));
  for (const period of periods.filter((p) => !stated.has(p))) {
    chart.append(svg("line", { class: "gap", x1: x(period), x2: x(period), y1: top, y2: height - bottom, "data-period": period },
      svg("title", {}, `${period}: not in the documents`)));
  }
  companies.forEach((company, k) => {
    const own = points.filter((p) => p.company === company);
    const colour = LINE_COLOURS[k % LINE_COLOURS.length];
    for (const run of runs(own, periods).filter((r) => r.length > 1)) {
      chart.append(svg("polyline", { class: "series-line", fill: "none", stroke: colour, "data-company": company,
        points: run.map((p) => `${x(p.period)},${y(p.value)}`).join(" ") }));
    }
    for (const p of own) {
      const dot = svg("circle", { class: "series-point", cx: x(p.period), cy: y(p.value), r: 5, tabindex: 0,
        role: "button", stroke: colour, color: colour, "data-n": p.citation, "data-period": p.period, "data-company": p.company },
        svg("title", {}, `${p.company} ${p.period}: ${p.text} [${p.citation}]`));
      dot.addEventListener("click", () => open(p.citation, null));
      dot.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); open(p.citation, null); } });
      chart.append(dot);
    }
    if (companies.length > 1) {
      const legend = svg("text", { x: left + k * 90, y: height - 4, class: "axis legend" }, company);
      legend.style.fill = colour;  // through the CSSOM: the page's policy refuses style attributes
      chart.append(legend);
    }
  });
  // Every quarter is labelled while they fit; past eight, every other one.
  const every = periods.length > 8 ? 2 : 1;
  periods.forEach((period, k) => {
    if (k % every) return;
    chart.append(svg("text", { x: x(period), y: height - bottom + 20, class: "axis period", "text-anchor": "middle" },
      period.replace(/^Q(\d) (\d{2})(\d{2})$/, "Q$1 '$3")));
  });
  return chart;
}
