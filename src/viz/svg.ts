/** Minimal, dependency-free SVG line charts for self-contained reports (no scripts, no network). */
export interface Series {
  label: string;
  points: [number, number][];
  color?: string;
  /** A shaded band around the line (e.g. mean ± sd over seeds): [x, low, high] per point. */
  band?: [number, number, number][];
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

function escapeXml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  // A range below the values' float resolution has no ticks between its ends (and stepping through it would not end).
  if (step <= Math.max(Math.abs(lo), Math.abs(hi)) * 1e-12) return [lo, hi];
  const first = Math.ceil(lo / step) * step;
  // Counted, not stepped: adding a step again and again drifts, and an absolute tolerance fails at small scales.
  const n = Math.min(Math.floor((hi - first) / step + 1e-9), 4 * count) + 1;
  return Array.from({ length: n }, (_, i) => Number((first + i * step).toPrecision(12)));
}

export function lineChart(
  series: Series[],
  o: { title: string; xLabel: string; yLabel: string; width?: number; height?: number },
): string {
  const W = o.width ?? 560;
  const H = o.height ?? 320;
  const m = { l: 60, r: 16, t: 32, b: 44 };
  const all = series
    .flatMap((s) => [
      ...s.points,
      ...(s.band ?? []).flatMap(([x, lo, hi]): [number, number][] => [
        [x, lo],
        [x, hi],
      ]),
    ])
    .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (all.length === 0)
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="40"><text x="4" y="24">${escapeXml(o.title)}: no data</text></svg>`;
  // Loops, not Math.min(...spread): a long run has more points than the call stack takes arguments.
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const [x, y] of all) {
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1];
  const sx = (x: number) => m.l + ((x - x0) / (x1 - x0)) * (W - m.l - m.r);
  const sy = (y: number) => H - m.b - ((y - y0) / (y1 - y0)) * (H - m.t - m.b);
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
  );
  parts.push(`<text x="${W / 2}" y="18" text-anchor="middle" font-size="13">${escapeXml(o.title)}</text>`);
  for (const t of niceTicks(y0, y1)) {
    parts.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${sy(t)}" y2="${sy(t)}" stroke="#eee"/>`);
    parts.push(`<text x="${m.l - 4}" y="${sy(t) + 4}" text-anchor="end">${t}</text>`);
  }
  for (const t of niceTicks(x0, x1))
    parts.push(`<text x="${sx(t)}" y="${H - m.b + 14}" text-anchor="middle">${t}</text>`);
  parts.push(
    `<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#999"/>`,
  );
  parts.push(
    `<text x="${(m.l + W - m.r) / 2}" y="${H - 8}" text-anchor="middle">${escapeXml(o.xLabel)}</text>`,
  );
  parts.push(
    `<text transform="translate(14 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(o.yLabel)}</text>`,
  );
  series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const band = (s.band ?? []).filter((b) => b.every(Number.isFinite));
    if (band.length > 1) {
      const edge = (k: 1 | 2) => band.map((b) => `${sx(b[0]).toFixed(1)},${sy(b[k]).toFixed(1)}`);
      const outline = [...edge(2), ...edge(1).reverse()];
      parts.push(`<path d="M${outline.join('L')}Z" fill="${color}" fill-opacity="0.2" stroke="none"/>`);
    }
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    const d = pts.map(([x, y], j) => `${j ? 'L' : 'M'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join('');
    parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.5"/>`);
    if (pts.length <= 30)
      for (const [x, y] of pts)
        parts.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="2.5" fill="${color}"/>`);
    parts.push(`<text x="${m.l + 8}" y="${m.t + 14 + 14 * i}" fill="${color}">${escapeXml(s.label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

export { escapeXml };
