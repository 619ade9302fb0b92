import { escapeXml } from './svg.js';

/** Options of a matrix heatmap; values outside [min, max] are clamped, NaN cells are left grey. */
export interface HeatmapOptions {
  title: string;
  rowLabel: string;
  columnLabel: string;
  min?: number;
  max?: number;
  /** Cell text: the value formatted (percent with one decimal by default). */
  format?: (v: number) => string;
  cell?: number;
}

/** White (min) to dark blue (max). */
function shade(t: number): string {
  const c = (a: number, b: number) => Math.round(a + (b - a) * t);
  return `rgb(${c(247, 8)},${c(251, 48)},${c(255, 107)})`;
}

/**
 * A matrix as an SVG heatmap with its values written in the cells (an accuracy matrix: row i the context trained
 * last, column j the context tested). Rows beyond 40 are not drawn: the chart says so.
 */
export function heatmapSvg(matrix: readonly (readonly number[])[], o: HeatmapOptions): string {
  const shown = matrix.slice(0, 40);
  const cols = Math.max(0, ...shown.map((r) => r.length));
  const size = o.cell ?? (cols > 10 ? 24 : 40);
  const m = { l: 56, t: 40, r: 12, b: 36 };
  const W = m.l + cols * size + m.r;
  const H = m.t + shown.length * size + m.b;
  const [lo, hi] = [o.min ?? 0, o.max ?? 1];
  const format = o.format ?? ((v: number) => (100 * v).toFixed(size >= 40 ? 1 : 0));
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="${size >= 40 ? 10 : 8}">`,
    `<text x="${W / 2}" y="16" text-anchor="middle" font-size="13">${escapeXml(o.title)}</text>`,
    `<text x="${m.l + (cols * size) / 2}" y="${H - 6}" text-anchor="middle" font-size="11">${escapeXml(o.columnLabel)}</text>`,
    `<text transform="translate(12 ${m.t + (shown.length * size) / 2}) rotate(-90)" text-anchor="middle" font-size="11">${escapeXml(o.rowLabel)}</text>`,
  ];
  shown.forEach((row, i) => {
    parts.push(`<text x="${m.l - 4}" y="${m.t + i * size + size / 2 + 4}" text-anchor="end">${i + 1}</text>`);
    row.forEach((v, j) => {
      const x = m.l + j * size;
      const y = m.t + i * size;
      const ok = Number.isFinite(v);
      const t = ok ? Math.min(1, Math.max(0, (v - lo) / (hi - lo || 1))) : 0;
      parts.push(
        `<rect x="${x}" y="${y}" width="${size}" height="${size}" fill="${ok ? shade(t) : '#ddd'}" stroke="#fff"/>`,
      );
      if (ok)
        parts.push(
          `<text x="${x + size / 2}" y="${y + size / 2 + 3}" text-anchor="middle" fill="${t > 0.55 ? '#fff' : '#000'}">${escapeXml(format(v))}</text>`,
        );
    });
  });
  for (let j = 0; j < cols; j++)
    parts.push(`<text x="${m.l + j * size + size / 2}" y="${m.t - 4}" text-anchor="middle">${j + 1}</text>`);
  if (matrix.length > shown.length)
    parts.push(`<text x="${m.l}" y="${H - 20}">${matrix.length - shown.length} more rows not drawn</text>`);
  parts.push('</svg>');
  return parts.join('');
}
