import pngjs from 'pngjs';

/** A layer's weights as pictures: each unit's incoming weights as an image, or the whole matrix. */
export interface WeightTiles {
  units: number;
  channels: 1 | 3;
  height: number;
  width: number;
  /** The weight of `unit` at channel c, row y, column x of its image. */
  at(unit: number, c: number, y: number, x: number): number;
}

/** Diverging colour of v in [-1, 1]: red below 0, white at 0, blue above (ColorBrewer RdBu ends). */
function diverging(v: number, out: Uint8Array | Buffer, at: number): void {
  const t = Math.max(-1, Math.min(1, Number.isFinite(v) ? v : 0));
  const [r, g, b] = t < 0 ? [178, 24, 43] : [33, 102, 172];
  // 32 shades a side: indistinguishable by eye, and the picture compresses several times smaller.
  const a = Math.round(Math.abs(t) * 32) / 32;
  out[at] = Math.round(255 + (r - 255) * a);
  out[at + 1] = Math.round(255 + (g - 255) * a);
  out[at + 2] = Math.round(255 + (b - 255) * a);
  out[at + 3] = 255;
}

function blank(width: number, height: number, grey: number): pngjs.PNG {
  const png = new pngjs.PNG({ width, height });
  png.data.fill(grey);
  for (let k = 3; k < png.data.length; k += 4) png.data[k] = 255;
  return png;
}

/**
 * One tile per unit (a hidden unit's input weights, a convolution filter) in a near-square grid, each scaled by its
 * own largest magnitude, as first-layer weights are shown in the literature: one channel in a diverging map (red
 * negative, blue positive), three channels as colour around grey. `scale` pixels per weight, one grey pixel between.
 */
export function weightTilesPng(t: WeightTiles, scale = 2): Buffer {
  const cols = Math.ceil(Math.sqrt(t.units));
  const rows = Math.ceil(t.units / cols);
  const tileW = t.width * scale + 1;
  const tileH = t.height * scale + 1;
  const png = blank(cols * tileW + 1, rows * tileH + 1, 128);
  for (let u = 0; u < t.units; u++) {
    let max = 0;
    for (let c = 0; c < t.channels; c++)
      for (let y = 0; y < t.height; y++)
        for (let x = 0; x < t.width; x++) max = Math.max(max, Math.abs(t.at(u, c, y, x)) || 0);
    if (!(max > 0)) max = 1;
    const x0 = (u % cols) * tileW + 1;
    const y0 = Math.floor(u / cols) * tileH + 1;
    for (let py = 0; py < t.height * scale; py++)
      for (let px = 0; px < t.width * scale; px++) {
        const y = Math.floor(py / scale);
        const x = Math.floor(px / scale);
        const at = ((y0 + py) * png.width + x0 + px) * 4;
        if (t.channels === 1) diverging(t.at(u, 0, y, x) / max, png.data, at);
        else
          for (let c = 0; c < 3; c++) {
            const v = t.at(u, c, y, x) / max;
            png.data[at + c] = Math.round(127.5 + 127.5 * (Number.isFinite(v) ? v : 0));
          }
      }
  }
  return pngjs.PNG.sync.write(png, { colorType: 2, deflateLevel: 9 });
}

/** The most pixels per side of a matrix picture: larger matrices are pooled, each pixel its block's extreme. */
export const MAX_MATRIX_SIDE = 1024;

/**
 * A weight matrix (`rows` x `cols`, row-major) as an image in a diverging map scaled by its largest magnitude. Over
 * MAX_MATRIX_SIDE a side is pooled: each pixel shows the weight of largest magnitude in its block, so no strong
 * weight is averaged away.
 */
export function weightMatrixPng(w: ArrayLike<number>, rows: number, cols: number): Buffer {
  if (w.length !== rows * cols)
    throw new RangeError(`weight matrix: expected ${rows} x ${cols} weights, found ${w.length}`);
  const pr = Math.ceil(rows / MAX_MATRIX_SIDE);
  const pc = Math.ceil(cols / MAX_MATRIX_SIDE);
  const h = Math.ceil(rows / pr);
  const wd = Math.ceil(cols / pc);
  const pooled = new Float64Array(h * wd);
  let max = 0;
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const v = Number.isFinite(w[r * cols + c]) ? w[r * cols + c] : 0;
      const k = Math.floor(r / pr) * wd + Math.floor(c / pc);
      if (Math.abs(v) > Math.abs(pooled[k])) pooled[k] = v;
      if (Math.abs(v) > max) max = Math.abs(v);
    }
  if (!(max > 0)) max = 1;
  // Each side enlarged to at least about 256 pixels (a 10-unit output layer stays visible), never past 1024.
  const stretch = (n: number) => Math.max(1, Math.min(Math.floor(MAX_MATRIX_SIDE / n), Math.ceil(256 / n)));
  const sy = stretch(h);
  const sx = stretch(wd);
  const png = blank(wd * sx, h * sy, 255);
  for (let y = 0; y < h * sy; y++)
    for (let x = 0; x < wd * sx; x++)
      diverging(
        pooled[Math.floor(y / sy) * wd + Math.floor(x / sx)] / max,
        png.data,
        (y * png.width + x) * 4,
      );
  return pngjs.PNG.sync.write(png, { colorType: 2, deflateLevel: 9 });
}
