import pngjs from 'pngjs';

/**
 * Tiles each neuron's input weights as a grey-scale image (Diehl & Cook's figure of learned receptive fields):
 * `weights` is [inputs x neurons] row-major, each input a pixel of a `height` x `width` image; tiles are laid
 * out in a near-square grid, each scaled from 0 (black) to `maxWeight` (white), one pixel of gap between tiles.
 */
export function receptiveFieldPng(
  weights: ArrayLike<number>,
  neurons: number,
  height: number,
  width: number,
  options: { maxWeight?: number; scale?: number } = {},
): Buffer {
  const inputs = height * width;
  if (weights.length !== inputs * neurons)
    throw new RangeError(
      `receptive fields: expected ${inputs} x ${neurons} weights, found ${weights.length}`,
    );
  let max = options.maxWeight ?? 0;
  if (!(max > 0)) for (let k = 0; k < weights.length; k++) if (weights[k] > max) max = weights[k];
  if (!(max > 0)) max = 1;
  const scale = options.scale ?? 2;
  const cols = Math.ceil(Math.sqrt(neurons));
  const rows = Math.ceil(neurons / cols);
  const tileW = width * scale + 1;
  const tileH = height * scale + 1;
  const png = new pngjs.PNG({ width: cols * tileW + 1, height: rows * tileH + 1 });
  png.data.fill(0);
  for (let k = 3; k < png.data.length; k += 4) png.data[k] = 255;
  for (let j = 0; j < neurons; j++) {
    const x0 = (j % cols) * tileW + 1;
    const y0 = Math.floor(j / cols) * tileH + 1;
    for (let y = 0; y < height * scale; y++)
      for (let x = 0; x < width * scale; x++) {
        const pixel = Math.floor(y / scale) * width + Math.floor(x / scale);
        const g = Math.round(255 * Math.min(1, Math.max(0, weights[pixel * neurons + j] / max)));
        const at = ((y0 + y) * png.width + x0 + x) * 4;
        png.data[at] = png.data[at + 1] = png.data[at + 2] = g;
      }
  }
  return pngjs.PNG.sync.write(png);
}
