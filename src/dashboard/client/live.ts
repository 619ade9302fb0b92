/**
 * The live-network page: a Diehl & Cook network (784 Poisson inputs, excitatory cells with adaptive thresholds,
 * lateral inhibition, STDP) learns MNIST digits in a worker running neuroplast's browser build; its receptive
 * fields are drawn as they form.
 */
import uPlot from 'uplot';
import { el } from './views.js';
import type { LiveCommand, LiveEvent, LiveSettings } from './live-protocol.js';

const root = document.getElementById('live')!;
// In a report the page has a status line of its own for the views: this one is the live network's.
const statusEl = (document.getElementById('live-status') ?? document.getElementById('status'))!;
const TILE = 28;
const SCALE = 3;
const GAP = 2;
const HISTORY = 600;

/** What a report carries instead of the dashboard's URLs: the worker's code, the kernels and digits (base64). */
interface EmbeddedLive {
  worker: string;
  kernels: string;
  digits: string;
  what: string;
}
const embeddedText = document.getElementById('neuroplast-live-data')?.textContent;
const embedded = embeddedText ? (JSON.parse(embeddedText) as EmbeddedLive) : null;
const bytesOf = (base64: string) => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)).buffer;

// A classic worker: a page opened from disk (a report) cannot start a module worker from its own code.
const worker = new Worker(
  embedded
    ? URL.createObjectURL(new Blob([embedded.worker], { type: 'text/javascript' }))
    : '/assets/live-worker.js',
);
const send = (cmd: LiveCommand) => worker.postMessage(cmd);
send(
  embedded
    ? {
        type: 'init',
        kernels: bytesOf(embedded.kernels),
        digits: bytesOf(embedded.digits),
        what: embedded.what,
      }
    : {
        type: 'init',
        kernels: '/assets/kernels.wasm',
        digits: '/api/live/digits?count=1000',
        what: 'MNIST digits',
      },
);

function numberField(
  label: string,
  id: string,
  value: number,
  attrs: Record<string, string>,
): HTMLInputElement {
  const input = el('input', undefined, { type: 'number', id, ...attrs });
  input.value = String(value);
  form.append(el('label', label, { for: id }), input);
  return input;
}

const intro = el(
  'p',
  'A Diehl & Cook (2015) network learns MNIST in this page: each digit is shown as Poisson spike trains for 350 ms ' +
    '(then 150 ms of rest), and STDP on the input weights, with lateral inhibition and adaptive thresholds, makes ' +
    'each excitatory neuron a prototype of what it wins. The number on a field is the digit its neuron has answered most.',
);
const form = el('form', undefined, { id: 'live-controls' });
const neurons = el('select', undefined, { id: 'neurons' });
for (const n of [16, 25, 49, 100]) neurons.append(el('option', String(n), { value: String(n) }));
neurons.value = '25';
form.append(el('label', 'neurons', { for: 'neurons' }), neurons);
const intensity = numberField('input intensity', 'intensity', 2, { min: '0.5', max: '16', step: '0.5' });
const nuPost = numberField('learning rate (nu post)', 'nu-post', 0.01, {
  min: '0',
  max: '0.1',
  step: '0.001',
});
const seed = numberField('seed', 'seed', 1, { min: '0', max: '4294967295', step: '1' });
const pace = el('select', undefined, { id: 'pace' });
for (const [label, ms] of [
  ['as fast as it goes', 0],
  ['10 digits/s', 100],
  ['real time (2 digits/s)', 500],
] as const)
  pace.append(el('option', label, { value: String(ms) }));
form.append(el('label', 'speed', { for: 'pace' }), pace);
const learn = el('input', undefined, { type: 'checkbox', id: 'learn' });
learn.checked = true;
form.append(el('label', 'learning', { for: 'learn' }), learn);
const restart = el('button', 'start', { type: 'submit', id: 'restart', disabled: '' });
const pause = el('button', 'pause', { type: 'button', id: 'pause', disabled: '' });
form.append(restart, pause);
const stats = el('p', 'loading the engine and the digits…', { id: 'live-stats', class: 'status' });
const fields = el('canvas', undefined, { id: 'fields', 'aria-label': 'receptive fields' });
const chartBox = el('div', undefined, { id: 'spikes-chart' });
root.append(intro, form, stats, fields, chartBox);

let backend = '';
let paused = false;
/** Starts sent so far: the worker numbers its runs the same way (1 for the first). */
let generation = 0;
const history = { x: [] as number[], y: [] as number[] };
const chart = new uPlot(
  {
    width: 600,
    height: 180,
    title: 'excitatory spikes per digit',
    scales: { x: { time: false } },
    series: [{ label: 'digit' }, { label: 'spikes', stroke: '#1f77b4', width: 1 }],
  },
  [[], []],
  chartBox,
);

function settings(): LiveSettings {
  return {
    neurons: Number(neurons.value),
    seed: Number(seed.value),
    inputIntensity: Number(intensity.value),
    nuPost: Number(nuPost.value),
    learn: learn.checked,
    msPerDigit: Number(pace.value),
  };
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  history.x.length = history.y.length = 0;
  paused = false;
  pause.textContent = 'pause';
  restart.textContent = 'restart';
  generation++;
  send({ type: 'start', ...settings() });
});
pause.addEventListener('click', () => {
  paused = !paused;
  pause.textContent = paused ? 'resume' : 'pause';
  send({ type: paused ? 'pause' : 'resume' });
});
learn.addEventListener('change', () => send({ type: 'learn', learn: learn.checked }));
pace.addEventListener('change', () => send({ type: 'pace', msPerDigit: Number(pace.value) }));

/** Each neuron's 28x28 input weights as a tile, scaled to its own maximum (dark is strong). */
function drawFields(e: Extract<LiveEvent, { type: 'weights' }>): void {
  const { neurons: n, inputSize, weights, classOf } = e;
  const side = Math.ceil(Math.sqrt(n));
  const tile = TILE * SCALE;
  const size = side * (tile + GAP) - GAP;
  if (fields.width !== size) fields.width = fields.height = size;
  const ctx = fields.getContext('2d')!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, size, size);
  const image = ctx.createImageData(tile, tile);
  for (let j = 0; j < n; j++) {
    let max = 0;
    for (let i = 0; i < inputSize; i++) max = Math.max(max, weights[i * n + j]);
    for (let y = 0; y < tile; y++)
      for (let x = 0; x < tile; x++) {
        const w = weights[(Math.floor(y / SCALE) * TILE + Math.floor(x / SCALE)) * n + j];
        const v = max > 0 ? 255 - Math.round((255 * w) / max) : 255;
        const o = 4 * (y * tile + x);
        image.data[o] = image.data[o + 1] = image.data[o + 2] = v;
        image.data[o + 3] = 255;
      }
    const left = (j % side) * (tile + GAP);
    const top = Math.floor(j / side) * (tile + GAP);
    ctx.putImageData(image, left, top);
    if (classOf[j] >= 0) {
      ctx.fillStyle = '#d62728';
      ctx.font = '14px system-ui, sans-serif';
      ctx.fillText(String(classOf[j]), left + 3, top + 15);
    }
  }
  fields.dataset.index = String(e.index);
}

worker.onmessage = (m: MessageEvent<LiveEvent>) => {
  const e = m.data;
  if (e.type === 'ready') {
    backend = e.backend;
    root.dataset.backend = backend;
    root.dataset.threads = String(e.threads);
    statusEl.textContent =
      `${e.digits} ${e.what}, ${backend} kernels on ${e.threads} thread${e.threads > 1 ? 's' : ''}` +
      (e.note ? ` (${e.note})` : '');
    stats.textContent = 'ready';
    restart.removeAttribute('disabled');
    pause.removeAttribute('disabled');
    generation++;
    send({ type: 'start', ...settings() });
    restart.textContent = 'restart';
  } else if ((e.type === 'presentation' || e.type === 'weights') && e.generation !== generation) {
    return;
  } else if (e.type === 'presentation') {
    root.dataset.presentations = String(e.index);
    stats.textContent =
      `digit ${e.index} (a ${e.label}): ${e.spikes} spikes at intensity ${e.intensity}; ` +
      `${e.imagesPerSecond.toFixed(1)} digits/s (each 500 ms simulated)`;
    history.x.push(e.index);
    history.y.push(e.spikes);
    if (history.x.length > HISTORY) {
      history.x.shift();
      history.y.shift();
    }
  } else if (e.type === 'weights') {
    drawFields(e);
    chart.setData([history.x, history.y]);
  } else {
    stats.textContent = '';
    root.prepend(el('p', e.message, { class: 'error' }));
  }
};
worker.onerror = (e) => root.prepend(el('p', `the worker failed: ${e.message}`, { class: 'error' }));
