// SeekLab's diagram style as a few SVG helpers: rounded boxes, arrows, text, a shared palette.
// Each scripts/figures/lessonN.mjs draws its lesson's figures with these; scripts/figures/build.mjs
// writes them to notebooks/figures/ and embeds them in the notebooks. Plain strings, no dependencies.

export const C = {
  blue: "#4d6bfe", // DeepSeek blue
  orange: "#e69f00",
  green: "#009e73",
  pink: "#cc79a7",
  sky: "#56b4e9",
  red: "#d55e00",
  ink: "#1f2430",
  muted: "#5a6072",
  paper: "#ffffff",
  tint: "#f4f6ff",
  grid: "#e3e6f0",
};

const FONT = "Inter, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";
const MONO = "'JetBrains Mono', 'SFMono-Regular', Menlo, Consolas, monospace";

export function esc(s) {
  return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Text; `lines` may be an array (one <tspan> per line, 1.25 em apart). */
export function text(x, y, lines, o = {}) {
  const arr = Array.isArray(lines) ? lines : [lines];
  const size = o.size ?? 14;
  const fill = o.fill ?? C.ink;
  const anchor = o.anchor ?? "middle";
  const weight = o.weight ?? 400;
  const family = o.mono ? MONO : FONT;
  const style = o.italic ? ' font-style="italic"' : "";
  const first = y - ((arr.length - 1) * size * 1.25) / 2;
  const spans = arr.map((l, i) => `<tspan x="${x}" y="${(first + i * size * 1.25).toFixed(1)}">${esc(l)}</tspan>`).join("");
  return `<text font-family="${family}" font-size="${size}" font-weight="${weight}" fill="${fill}" text-anchor="${anchor}" dominant-baseline="middle"${style}>${spans}</text>`;
}

/** A rounded box centred at (cx, cy) with a label. */
export function box(cx, cy, w, h, label, o = {}) {
  const stroke = o.stroke ?? C.blue;
  const fill = o.fill ?? C.tint;
  const r = o.r ?? 10;
  const dash = o.dashed ? ' stroke-dasharray="6 4"' : "";
  return `<rect x="${cx - w / 2}" y="${cy - h / 2}" width="${w}" height="${h}" rx="${r}" fill="${fill}" stroke="${stroke}" stroke-width="${o.strokeWidth ?? 2}"${dash}/>` +
    (label === undefined ? "" : text(cx, cy, label, { size: o.size ?? 14, weight: o.weight ?? 600, fill: o.color ?? C.ink, mono: o.mono }));
}

/** A straight arrow from (x1, y1) to (x2, y2), optionally labelled at its middle. */
export function arrow(x1, y1, x2, y2, o = {}) {
  const colour = o.color ?? C.ink;
  const id = `h${colour.replace("#", "")}`;
  const dash = o.dashed ? ' stroke-dasharray="6 4"' : "";
  let s = `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="${colour}" stroke-width="${o.width ?? 2}" marker-end="url(#${id})"${dash}/>`;
  if (o.label) s += text((x1 + x2) / 2 + (o.dx ?? 0), (y1 + y2) / 2 + (o.dy ?? 0), o.label, { size: o.size ?? 12, fill: o.labelColor ?? C.muted, anchor: o.anchor ?? "middle", mono: o.mono });
  return s;
}

/** A path with an arrow head (for curved connections). */
export function pathArrow(d, o = {}) {
  const colour = o.color ?? C.ink;
  const dash = o.dashed ? ' stroke-dasharray="6 4"' : "";
  return `<path d="${d}" fill="none" stroke="${colour}" stroke-width="${o.width ?? 2}" marker-end="url(#h${colour.replace("#", "")})"${dash}/>`;
}

/** The whole SVG document: white background, arrow-head markers in every palette colour, a title. */
export function svg(width, height, body, o = {}) {
  const markers = Object.values(C).map((c) =>
    `<marker id="h${c.replace("#", "")}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${c}"/></marker>`).join("");
  const title = o.title ? `<title>${esc(o.title)}</title>` : "";
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img"${o.title ? ` aria-label="${esc(o.title)}"` : ""}>` +
    `${title}<defs>${markers}</defs><rect width="${width}" height="${height}" fill="${C.paper}"/>${body}</svg>\n`;
}
