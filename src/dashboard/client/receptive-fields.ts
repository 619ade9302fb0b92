import { api } from './api.js';
import { imageFigure } from './charts.js';
import { RedrawThrottle, type DashboardView } from './views.js';

const throttle = new RedrawThrottle();
const isDiehlCook = (kind: string | null) => kind === 'diehl-cook';

/**
 * The input weights of each excitatory neuron of a Diehl & Cook run as an image, from its newest saved network (the
 * last checkpoint while it trains, the final network after): receptive fields forming as the run goes.
 */
export const receptiveFieldsView: DashboardView = {
  name: 'receptive-fields',
  title: 'Weights: receptive fields',
  applies: (ctx) => ctx.runs.some((r) => isDiehlCook(r.kind)),
  async render(root, ctx) {
    throttle.rendered(root);
    root.replaceChildren();
    for (const r of ctx.runs.filter((x) => isDiehlCook(x.kind))) {
      const img = imageFigure(
        root,
        `${r.label}: input weights of each excitatory neuron (black 0, white the largest weight), as last saved`,
        `receptive-fields-${r.name}`,
        api.image(`/api/runs/${r.id}/receptive-fields.png?at=${Date.now()}`),
      );
      // Tiles of 56 pixels per digit: shown at twice that, pixels kept sharp.
      img.style.imageRendering = 'pixelated';
      img.addEventListener('load', () => (img.style.width = `${Math.min(1200, 2 * img.naturalWidth)}px`));
    }
  },
  dispose: (root) => throttle.cancel(root),
  async update(root, ctx, id) {
    if (ctx.runs.some((r) => r.id === id && isDiehlCook(r.kind)))
      await throttle.request(
        root,
        () => this.render(root, ctx),
        () => ctx.rerender(this.name),
      );
  },
};
