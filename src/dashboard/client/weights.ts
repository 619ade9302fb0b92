import { getJson, api } from './api.js';
import { imageFigure } from './charts.js';
import { weightsFile } from '../figures/chart.js';
import { el, RedrawThrottle, type DashboardView } from './views.js';

interface WeightListing {
  file: string;
  layers: { name: string; shape: number[]; picture: 'tiles' | 'matrix'; tiles?: number }[];
}

const throttle = new RedrawThrottle();

const what = (l: WeightListing['layers'][number]) =>
  l.picture === 'tiles'
    ? `input weights of ${l.tiles} of its ${l.shape.length === 4 ? l.shape[0] : l.shape[1]} units as images, each scaled to its own largest magnitude`
    : l.shape.length === 4
      ? 'the matrix of units (rows) by their flattened filters (columns)'
      : 'the matrix of inputs (rows) by units (columns)';

/**
 * A gradient model's weights as images from its newest saved state (the last checkpoint while it trains, the final
 * model after): the first layer's units as pictures of what they respond to, the other layers as matrices; red
 * negative, blue positive.
 */
export const weightsView: DashboardView = {
  name: 'weights',
  title: 'Weights of the model',
  applies: (ctx) => ctx.runs.some((r) => r.files.model),
  async render(root, ctx) {
    throttle.rendered(root);
    root.replaceChildren();
    for (const r of ctx.runs.filter((x) => x.files.model)) {
      const box = el('div', undefined, { class: 'weights', 'data-run': r.id });
      root.append(box);
      const listing = await getJson<WeightListing>(`/api/runs/${r.id}/weights`).catch((err: Error) => err);
      if (listing instanceof Error) {
        box.append(el('p', `${r.label}: ${listing.message}`, { class: 'error' }));
        continue;
      }
      for (const l of listing.layers) {
        const img = imageFigure(
          box,
          `${r.label}: ${l.name} [${l.shape.join(' x ')}], ${what(l)}; red negative, blue positive (${listing.file})`,
          weightsFile(l.name),
          api.image(`/api/runs/${r.id}/weights.png?layer=${encodeURIComponent(l.name)}&at=${Date.now()}`),
        );
        img.style.imageRendering = 'pixelated';
        img.addEventListener('load', () => (img.style.width = `${Math.min(1200, 2 * img.naturalWidth)}px`));
      }
    }
  },
  dispose: (root) => throttle.cancel(root),
  async update(root, ctx, id) {
    if (ctx.runs.some((r) => r.id === id && r.files.model))
      await throttle.request(
        root,
        () => this.render(root, ctx),
        () => ctx.rerender(this.name),
      );
  },
};
