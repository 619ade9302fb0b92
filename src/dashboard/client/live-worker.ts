/**
 * The live-network page's worker: neuroplast's browser build runs a Diehl & Cook network learning MNIST digits
 * here, off the page's thread, and posts each presentation and, a few times a second, the weights.
 */
import { DiehlCookNetwork, kernels, loadWasmKernels } from '../../browser/index.js';
import type { LiveCommand, LiveEvent, LiveSettings } from './live-protocol.js';

const post = (e: LiveEvent, transfer: Transferable[] = []) => postMessage(e, { transfer });
const WEIGHTS_EVERY_MS = 250;
const DIGITS = 1000;

let net: DiehlCookNetwork | null = null;
let settings: LiveSettings | null = null;
let images: Uint8Array = new Uint8Array(0);
let labels: Uint8Array = new Uint8Array(0);
let index = 0;
let running = false;
let generation = 0;
let lastWeights = 0;
let timer: ReturnType<typeof setTimeout> | undefined;
let responses = new Float64Array(0);
const recent: number[] = [];

async function setUp(): Promise<void> {
  let note = '';
  try {
    await loadWasmKernels(new URL('kernels.wasm', self.location.href));
  } catch (err) {
    note = `reference kernels: ${err instanceof Error ? err.message : String(err)}`;
  }
  const r = await fetch('/api/live/digits?count=' + DIGITS);
  if (!r.ok) throw new Error(`MNIST digits: ${(await r.text()).trim() || 'HTTP ' + r.status}`);
  const body = new Uint8Array(await r.arrayBuffer());
  const count = new DataView(body.buffer).getUint32(0, true);
  labels = body.subarray(4, 4 + count);
  images = body.subarray(4 + count);
  post({ type: 'ready', backend: kernels.name, note, digits: count });
}

function postWeights(): void {
  if (!net) return;
  const n = net.params.neurons;
  const classOf = new Int8Array(n).fill(-1);
  for (let j = 0; j < n; j++) {
    let best = 0;
    for (let c = 0; c < 10; c++)
      if (responses[j * 10 + c] > best) {
        best = responses[j * 10 + c];
        classOf[j] = c;
      }
  }
  const weights = net.weights.slice();
  post(
    { type: 'weights', generation, index, neurons: n, inputSize: net.params.inputSize, weights, classOf },
    [weights.buffer],
  );
  lastWeights = performance.now();
}

/** The next digit after `ms`; at most one is ever pending, so pause and resume never start a second loop. */
function schedule(ms: number): void {
  clearTimeout(timer);
  const gen = generation;
  timer = setTimeout(() => step(gen), ms);
}

/** Presents one digit, then yields to messages before the next (so pause and changes apply at once). */
function step(gen: number): void {
  if (!running || !net || !settings || gen !== generation) return;
  const count = labels.length;
  const k = index % count;
  const started = performance.now();
  const p = net.present(images.subarray(k * 784, (k + 1) * 784), settings.learn);
  const n = net.params.neurons;
  let spikes = 0;
  for (let j = 0; j < n; j++) {
    spikes += p.counts[j];
    responses[j * 10 + labels[k]] += p.counts[j];
  }
  index++;
  const now = performance.now();
  recent.push(now - started);
  if (recent.length > 20) recent.shift();
  const mean = recent.reduce((a, b) => a + b, 0) / recent.length;
  post({
    type: 'presentation',
    generation,
    index,
    label: labels[k],
    spikes,
    intensity: p.intensity,
    imagesPerSecond: 1000 / mean,
  });
  if (now - lastWeights >= WEIGHTS_EVERY_MS) postWeights();
  schedule(Math.max(0, settings.msPerDigit - (now - started)));
}

function handle(cmd: LiveCommand): void {
  if (cmd.type === 'start') {
    // The old run stops first, so a start with bad settings leaves nothing running under the page's new count.
    generation++;
    running = false;
    clearTimeout(timer);
    recent.length = 0;
    const s: LiveSettings = {
      neurons: cmd.neurons,
      seed: cmd.seed,
      inputIntensity: cmd.inputIntensity,
      nuPost: cmd.nuPost,
      learn: cmd.learn,
      msPerDigit: cmd.msPerDigit,
    };
    settings = s;
    net = new DiehlCookNetwork(
      { neurons: s.neurons, inputIntensity: s.inputIntensity, nuPost: s.nuPost },
      s.seed,
    );
    responses = new Float64Array(s.neurons * 10);
    index = 0;
    running = true;
    postWeights();
    schedule(0);
  } else if (cmd.type === 'learn') {
    if (settings) settings.learn = cmd.learn;
  } else if (cmd.type === 'pace') {
    if (settings) settings.msPerDigit = cmd.msPerDigit;
  } else if (cmd.type === 'pause') {
    running = false;
    clearTimeout(timer);
    postWeights();
  } else if (cmd.type === 'resume' && net && !running) {
    running = true;
    schedule(0);
  }
}

const fail = (err: unknown) =>
  post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
// A failed set-up is reported once; commands then have nothing to run.
const ready = setUp().then(
  () => true,
  (err) => {
    fail(err);
    return false;
  },
);
self.onmessage = (e: MessageEvent<LiveCommand>) => {
  void ready.then((ok) => {
    if (!ok) return;
    try {
      handle(e.data);
    } catch (err) {
      fail(err);
    }
  });
};
