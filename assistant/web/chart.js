// A series (one figure per quarter, for one company or several) as a small line chart drawn
// here, no library: one line per company, each point opening the passage it is quoted from.
// The viewBox scales to the column, down to 390 px.
const SVG = "http://www.w3.org/2000/svg";
const LINE_COLOURS = ["#1f5fbf", "#c0392b", "#2e8b57", "#8e44ad"];
const periodOrder = (p) => { const m = p.match(/^Q(\d) (\d{4})$/); return m ? Number(m[2]) * 4 + Number(m[1]) : 0; };

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  for (const child of children) node.append(child);
  return node;
}

export function seriesChart(answer, open) {
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
  for (const period of periods) {
    chart.append(svg("text", { x: x(period), y: height - bottom + 20, class: "axis period", "text-anchor": "middle" },
      period.replace(/^Q(\d) (\d{2})(\d{2})$/, "Q$1 '$3")));
  }
  return chart;
}
