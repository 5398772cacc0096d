// chart.svg: accuracy against file size and against latency, one labelled point per variant, on two
// panels side by side. Up and to the left is better. Plain SVG text, no dependency.
//
//   ┌ title, machine ────────────────────────────────────────────────┐
//   │ accuracy │ · pruned-qat-lite     │ accuracy │  · ...             │
//   │          │        · baseline     │          │        · baseline  │
//   │          └── bytes (log) ──────  │          └── ms (log) ─────   │
//   └ legend: colour = precision, diamond = sparse, ring = baseline ──┘
import { percent } from './format.js';
import { baselineOf, type BenchResults, type Precision, type VariantResult } from './results.js';

const W = 1040;
const H = 560;
const PLOT_TOP = 96;
const PLOT_BOTTOM = 436;
const PANELS = [
  { left: 78, right: 500 },
  { left: 596, right: 1018 },
];
const FONT = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";
const COLOR: Record<Precision, string> = { f32: '#4e79a7', dynamic: '#f28e2b', int8: '#59a14f' };
const PRECISION_LABEL: Record<Precision, string> = {
  f32: 'f32',
  dynamic: 'dynamic: int8 weights, f32 activations',
  int8: 'int8',
};
/** Variants with at least this fraction of zero weights are drawn as diamonds. */
const SPARSE_AT = 0.3;
/** The accuracy budget the design allows an optimized variant (points below the baseline). */
const BUDGET_POINTS = 0.5;
const LABEL_SIZE = 12;

interface Axis {
  lo: number;
  hi: number;
  /** Data value -> pixel. */
  at(v: number): number;
  ticks: number[];
  label(v: number): string;
}

export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export function chartSvg(results: BenchResults): string {
  const base = baselineOf(results);
  const yAxis = accuracyAxis(results.variants.map((v) => v.accuracy), base?.accuracy);
  const panels = [
    panel(results, PANELS[0], 'file size, bytes (log scale)', (v) => v.bytes, formatBytes, yAxis, base),
    panel(results, PANELS[1], 'latency, whole test set, one thread, ms (log scale)', (v) => v.latency.fullMs?.median ?? null, formatMs, yAxis, base),
  ];
  const subtitle = `Node ${results.env.node} · ${results.env.cpu} · ${results.date.slice(0, 10)}${results.quick ? ' · --quick run: subset, not comparable' : ''}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="${FONT}" role="img">`,
    `<title>topiary: accuracy against file size and latency per variant</title>`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    text(PANELS[0].left - 56, 36, 'What each step buys: accuracy against file size and latency', { size: 20, weight: 600 }),
    text(PANELS[0].left - 56, 60, subtitle, { size: 13, fill: '#666' }),
    ...panels,
    legend(H - 20),
    '</svg>',
    '',
  ].join('\n');
}

function panel(
  results: BenchResults,
  span: { left: number; right: number },
  title: string,
  xOf: (v: VariantResult) => number | null,
  formatX: (v: number) => string,
  y: Axis,
  base: VariantResult | undefined,
): string {
  const drawn = results.variants.filter((v) => positive(xOf(v)));
  const missing = results.variants.filter((v) => !positive(xOf(v)));
  const x = logAxis(drawn.map((v) => xOf(v)!), span.left, span.right, formatX);
  const out: string[] = [];
  const { left, right } = span;

  // The accuracy budget: within BUDGET_POINTS of the baseline counts as no loss.
  if (base) {
    const top = y.at(Math.min(y.hi, base.accuracy));
    const bottom = y.at(Math.max(y.lo, base.accuracy - BUDGET_POINTS / 100));
    if (bottom > top) {
      out.push(`<rect x="${left}" y="${r(top)}" width="${right - left}" height="${r(bottom - top)}" fill="#59a14f" fill-opacity="0.08"/>`);
      out.push(`<line x1="${left}" x2="${right}" y1="${r(top)}" y2="${r(top)}" stroke="#59a14f" stroke-opacity="0.6" stroke-dasharray="5 4"/>`);
    }
  }
  // Grid and axes.
  for (const t of y.ticks) {
    out.push(`<line x1="${left}" x2="${right}" y1="${r(y.at(t))}" y2="${r(y.at(t))}" stroke="#e6e6e6"/>`);
    out.push(text(left - 8, y.at(t) + 4, y.label(t), { size: 12, fill: '#555', anchor: 'end' }));
  }
  for (const t of x.ticks) {
    out.push(`<line x1="${r(x.at(t))}" x2="${r(x.at(t))}" y1="${PLOT_TOP}" y2="${PLOT_BOTTOM}" stroke="#eeeeee"/>`);
    out.push(text(x.at(t), PLOT_BOTTOM + 18, x.label(t), { size: 12, fill: '#555', anchor: 'middle' }));
  }
  out.push(`<rect x="${left}" y="${PLOT_TOP}" width="${right - left}" height="${PLOT_BOTTOM - PLOT_TOP}" fill="none" stroke="#999"/>`);
  out.push(text((left + right) / 2, PLOT_BOTTOM + 40, title, { size: 13, fill: '#333', anchor: 'middle', weight: 600 }));
  out.push(text(left + 8, PLOT_TOP + 16, '↖ better', { size: 12, fill: '#888' }));
  out.push(
    `<text transform="translate(${left - 50} ${(PLOT_TOP + PLOT_BOTTOM) / 2}) rotate(-90)" font-size="13" font-weight="600" fill="#333" text-anchor="middle">test accuracy</text>`,
  );
  if (missing.length) {
    out.push(text(left, PLOT_BOTTOM + 62, `not measured: ${missing.map((v) => v.name).join(', ')}`, { size: 11, fill: '#888' }));
  }

  // Points first, then labels placed around them, each clear of every point and label.
  const points = drawn.map((v) => ({ v, px: x.at(xOf(v)!), py: y.at(v.accuracy) }));
  const better = { x0: left + 6, y0: PLOT_TOP + 4, x1: left + 8 + textWidth('↖ better', 12) + 2, y1: PLOT_TOP + 20 };
  const labels = placeLabels(
    points.map((p) => ({ name: p.v.name, x: p.px, y: p.py, r: markerRadius(p.v, p.v === base), first: p.v === base })),
    { x0: left + 2, y0: PLOT_TOP + 2, x1: right - 2, y1: PLOT_BOTTOM - 2 },
    [better],
  );
  for (const l of labels) {
    if (l.leader) out.push(`<line x1="${r(l.leader.x1)}" y1="${r(l.leader.y1)}" x2="${r(l.leader.x2)}" y2="${r(l.leader.y2)}" stroke="#aaa" stroke-width="1"/>`);
  }
  out.push(...points.map((p) => marker(p.v, p.px, p.py, p.v === base)));
  out.push(...labels.map((l) => text(l.textX, l.textY, l.name, { size: LABEL_SIZE, fill: '#222', halo: true })));
  return out.join('\n');
}

/** Radius of what marker() draws, stroke included: the space a label must keep clear of. */
function markerRadius(v: VariantResult, isBase: boolean): number {
  return isBase ? 11 : (v.sparsity ?? 0) >= SPARSE_AT ? 8.5 : 7;
}

function marker(v: VariantResult, x: number, y: number, isBase: boolean): string {
  const color = COLOR[v.precision ?? 'f32'];
  const tip = `<title>${escapeXml(`${v.name}: ${percent(v.accuracy)}`)}</title>`;
  const ring = isBase ? `<circle cx="${r(x)}" cy="${r(y)}" r="10" fill="none" stroke="#333" stroke-width="1.5"/>` : '';
  if ((v.sparsity ?? 0) >= SPARSE_AT) {
    const s = 7.5;
    return `${ring}<path d="M${r(x)} ${r(y - s)}L${r(x + s)} ${r(y)}L${r(x)} ${r(y + s)}L${r(x - s)} ${r(y)}Z" fill="${color}" stroke="#fff" stroke-width="1.5">${tip}</path>`;
  }
  return `${ring}<circle cx="${r(x)}" cy="${r(y)}" r="6" fill="${color}" stroke="#fff" stroke-width="1.5">${tip}</circle>`;
}

export interface LabelPoint {
  name: string;
  x: number;
  y: number;
  /** The marker's radius: the label keeps out of the square around it. */
  r: number;
  /** Placed before the others (the baseline). */
  first?: boolean;
}

export interface PlacedLabel {
  name: string;
  /** The space the text takes (estimated from its characters), with a little padding. */
  box: Box;
  /** Where the text starts (left end of its baseline). */
  textX: number;
  textY: number;
  /** From the marker's edge to the label, when the label sits away from its point. */
  leader?: { x1: number; y1: number; x2: number; y2: number };
}

/** Candidate spots lie on a grid this fine (px), up to LABEL_REACH from the point. */
const LABEL_STEP = 4;
const LABEL_REACH = 240;
/** Gap between a marker and a label right next to it; LEADER_AT further away, a leader line. */
const LABEL_GAP = 3;
const LEADER_AT = 8;

/**
 * Greedy placement: `first` points (the baseline) first, then in the order given. For each point,
 * every spot on a grid around it, nearest first: the first whose box stays in `bounds`, overlaps no
 * point, no placed label and no `obstacles` box, and whose leader line (if it needs one) crosses no
 * label and no point wins; when every free spot crosses something, the one crossing least (labels
 * count more than points); when no spot is free, the one overlapping least. Returns the labels in the
 * order of `points`.
 */
export function placeLabels(points: LabelPoint[], bounds: Box, obstacles: Box[] = []): PlacedLabel[] {
  const dots: Box[] = points.map((p) => ({ x0: p.x - p.r, y0: p.y - p.r, x1: p.x + p.r, y1: p.y + p.r }));
  const order = points.map((_, i) => i).sort((a, b) => Number(!!points[b].first) - Number(!!points[a].first) || a - b);
  const placed: PlacedLabel[] = [];
  const result: PlacedLabel[] = [];
  for (const i of order) {
    const p = points[i];
    const w = textWidth(p.name, LABEL_SIZE) + 4;
    const h = LABEL_SIZE + 2;
    const near = p.r + LABEL_GAP;
    const others = dots.filter((_, j) => j !== i);
    const boxes = [...obstacles, ...placed.map((l) => l.box)];
    const leaders = placed.flatMap((l) => (l.leader ? [l.leader] : []));
    // A label right beside its point needs no line, unless another point is about as near to it.
    const leaderOf = (box: Box) => {
      const d = spotDistance(p, box);
      const alone = d <= near + LEADER_AT && points.every((q, j) => j === i || spotDistance(q, box) - q.r > d - p.r + LEADER_AT);
      return alone ? undefined : leaderLine(p, box);
    };
    const count = <T>(xs: T[], test: (x: T) => boolean) => xs.reduce((n, x) => n + Number(test(x)), 0);
    // Nearest first; at equal distance beside the point (right, then left) before above or below.
    let spots: { box: Box; d: number }[] = [
      { box: { x0: p.x + near, y0: p.y - h / 2, x1: p.x + near + w, y1: p.y + h / 2 }, d: near },
      { box: { x0: p.x - near - w, y0: p.y - h / 2, x1: p.x - near, y1: p.y + h / 2 }, d: near },
    ];
    for (let y0 = Math.max(p.y - LABEL_REACH, bounds.y0); y0 <= Math.min(p.y + LABEL_REACH, bounds.y1 - h); y0 += LABEL_STEP) {
      for (let x0 = Math.max(p.x - LABEL_REACH - w, bounds.x0); x0 <= Math.min(p.x + LABEL_REACH, bounds.x1 - w); x0 += LABEL_STEP) {
        const box = { x0, y0, x1: x0 + w, y1: y0 + h };
        const d = spotDistance(p, box);
        if (d >= near && d <= LABEL_REACH && within(box, bounds)) spots.push({ box, d });
      }
    }
    spots = spots.filter((s) => within(s.box, bounds)).sort((a, b) => a.d - b.d);
    let chosen: { box: Box; d: number } | undefined;
    let least = Infinity;
    for (const s of spots) {
      if (dots.some((b) => overlaps(s.box, b)) || boxes.some((b) => overlaps(s.box, b))) continue;
      const l = leaderOf(s.box);
      const crossed =
        (l ? 100 * count(boxes, (b) => crosses(l, b)) + 10 * count(others, (b) => crosses(l, b)) : 0) +
        100 * count(leaders, (q) => crosses(q, s.box));
      if (crossed < least) [chosen, least] = [s, crossed];
      if (crossed === 0) break;
    }
    chosen ??= minBy(spots.length ? spots : [{ box: { x0: bounds.x0, y0: bounds.y0, x1: bounds.x0 + w, y1: bounds.y0 + h }, d: 0 }], (s) =>
      [...dots, ...boxes].reduce((a, b) => a + overlapArea(s.box, b), 0),
    );
    const label = { name: p.name, box: chosen.box, textX: chosen.box.x0 + 2, textY: chosen.box.y1 - 4, leader: leaderOf(chosen.box) };
    placed.push(label);
    result[i] = label;
  }
  return result;
}

function spotDistance(p: { x: number; y: number }, b: Box): number {
  return Math.hypot(Math.max(b.x0 - p.x, 0, p.x - b.x1), Math.max(b.y0 - p.y, 0, p.y - b.y1));
}

/** From the marker's edge toward the nearest point of the label's box. */
function leaderLine(p: LabelPoint, b: Box): { x1: number; y1: number; x2: number; y2: number } {
  const x2 = Math.min(Math.max(p.x, b.x0), b.x1);
  const y2 = Math.min(Math.max(p.y, b.y0), b.y1);
  const len = Math.hypot(x2 - p.x, y2 - p.y);
  return { x1: p.x + ((x2 - p.x) / len) * p.r, y1: p.y + ((y2 - p.y) / len) * p.r, x2, y2 };
}

/** Whether the segment passes through the box's inside (Liang-Barsky clipping). */
function crosses(s: { x1: number; y1: number; x2: number; y2: number }, b: Box): boolean {
  const dx = s.x2 - s.x1;
  const dy = s.y2 - s.y1;
  let t0 = 0;
  let t1 = 1;
  for (const [q, e] of [[-dx, s.x1 - b.x0], [dx, b.x1 - s.x1], [-dy, s.y1 - b.y0], [dy, b.y1 - s.y1]]) {
    if (q === 0) {
      if (e <= 0) return false;
    } else if (q < 0) t0 = Math.max(t0, e / q);
    else t1 = Math.min(t1, e / q);
  }
  return t1 - t0 > 1e-9;
}

function minBy<T>(xs: T[], cost: (x: T) => number): T {
  let best = xs[0];
  let bestCost = cost(best);
  for (const x of xs) {
    const c = cost(x);
    if (c < bestCost) [best, bestCost] = [x, c];
  }
  return best;
}

function within(a: Box, b: Box): boolean {
  return a.x0 >= b.x0 && a.x1 <= b.x1 && a.y0 >= b.y0 && a.y1 <= b.y1;
}

function overlapArea(a: Box, b: Box): number {
  return Math.max(0, Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0)) * Math.max(0, Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0));
}

function legend(y: number): string {
  const items: string[] = [];
  let x = PANELS[0].left - 56;
  const add = (shape: string, label: string) => {
    items.push(shape.replaceAll('$X', String(x + 6)).replaceAll('$Y', String(y - 4)));
    items.push(text(x + 18, y, label, { size: 12, fill: '#444' }));
    x += 18 + textWidth(label, 12) + 24;
  };
  for (const p of Object.keys(COLOR) as Precision[]) add(`<circle cx="$X" cy="$Y" r="6" fill="${COLOR[p]}"/>`, PRECISION_LABEL[p]);
  const s = 7;
  add(`<path d="M$X ${y - 4 - s}l${s} ${s}l-${s} ${s}l-${s} -${s}Z" fill="#777"/>`, `sparse: ≥ ${SPARSE_AT * 100}% zero weights`);
  add('<circle cx="$X" cy="$Y" r="8" fill="none" stroke="#333" stroke-width="1.5"/>', 'the baseline');
  add(
    `<rect x="${x - 2}" y="${y - 12}" width="16" height="12" fill="#59a14f" fill-opacity="0.12" stroke="#59a14f" stroke-opacity="0.6" stroke-dasharray="3 2"/>`,
    `within ${BUDGET_POINTS} pts of the baseline's accuracy`,
  );
  return items.join('\n');
}

/** Linear accuracy axis (as %) with round ticks, covering every point and the budget band. */
function accuracyAxis(values: number[], base: number | undefined): Axis {
  const all = values.map((v) => v * 100);
  if (base !== undefined) all.push(base * 100 - BUDGET_POINTS);
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  if (!(hi > lo)) [lo, hi] = [lo - 1, hi + 1];
  const step = niceStep((hi - lo) / 5);
  lo = Math.floor(lo / step - 0.25) * step;
  hi = Math.ceil(hi / step + 0.25) * step;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9; t += step) ticks.push(Number(t.toFixed(6)));
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return {
    lo: lo / 100,
    hi: hi / 100,
    at: (v) => PLOT_BOTTOM - ((v * 100 - lo) / (hi - lo)) * (PLOT_BOTTOM - PLOT_TOP),
    ticks: ticks.map((t) => t / 100),
    label: (v) => `${(v * 100).toFixed(decimals)}%`,
  };
}

/** Log axis with 1-2-5 ticks (denser or sparser to keep 3 to 8 of them). */
function logAxis(values: number[], left: number, right: number, label: (v: number) => string): Axis {
  let lo = values.length ? Math.min(...values) : 1;
  let hi = values.length ? Math.max(...values) : 10;
  if (hi / lo < 2) [lo, hi] = [lo / Math.SQRT2, hi * Math.SQRT2];
  const pad = Math.pow(hi / lo, 0.1);
  lo /= pad;
  hi *= pad;
  const candidates = (mantissas: number[]) => {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
      for (const m of mantissas) {
        const t = m * Math.pow(10, e);
        if (t >= lo && t <= hi) out.push(Number(t.toPrecision(6)));
      }
    }
    return out;
  };
  let ticks = candidates([1, 2, 5]);
  if (ticks.length < 3) ticks = candidates([1, 1.5, 2, 3, 5, 7]);
  if (ticks.length > 8) ticks = candidates([1]);
  const span = Math.log(hi / lo);
  return { lo, hi, at: (v) => left + (Math.log(v / lo) / span) * (right - left), ticks, label };
}

function niceStep(raw: number): number {
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  return ([1, 2, 2.5, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p);
}

/** 800 -> "800 B", 8000 -> "8 kB", 2500000 -> "2.5 MB". */
export function formatBytes(n: number): string {
  if (n >= 1e6) return `${trim(n / 1e6)} MB`;
  if (n >= 1e3) return `${trim(n / 1e3)} kB`;
  return `${trim(n)} B`;
}

export function formatMs(ms: number): string {
  return `${trim(ms)} ms`;
}

function trim(x: number): string {
  return String(Number(x.toPrecision(3)));
}

function positive(x: number | null): boolean {
  return x !== null && Number.isFinite(x) && x > 0;
}

function overlaps(a: Box, b: Box): boolean {
  return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

/** Rough width of sans-serif text: enough to keep labels apart without measuring fonts. */
function textWidth(s: string, size: number): number {
  let em = 0;
  for (const c of s) em += /[ilj.,:;'|!]/.test(c) ? 0.28 : /[mwMW%]/.test(c) ? 0.85 : /[A-Z0-9]/.test(c) ? 0.64 : c === ' ' ? 0.3 : 0.54;
  return em * size;
}

function text(
  x: number,
  y: number,
  s: string,
  o: { size: number; fill?: string; anchor?: 'start' | 'middle' | 'end'; weight?: number; halo?: boolean },
): string {
  const attrs = [
    `x="${r(x)}"`,
    `y="${r(y)}"`,
    `font-size="${o.size}"`,
    o.fill ? `fill="${o.fill}"` : '',
    o.anchor && o.anchor !== 'start' ? `text-anchor="${o.anchor}"` : '',
    o.weight ? `font-weight="${o.weight}"` : '',
    o.halo ? 'stroke="#fff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"' : '',
  ].filter(Boolean);
  return `<text ${attrs.join(' ')}>${escapeXml(s)}</text>`;
}

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function r(v: number): string {
  return String(Math.round(v * 10) / 10);
}
