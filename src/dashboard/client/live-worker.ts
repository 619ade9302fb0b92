/**
 * The live-network page's worker: neuroplast's browser build runs a Diehl & Cook network learning MNIST digits
 * here, off the page's thread, and posts each presentation and, a few times a second, the weights.
 */
import { DiehlCookNetwork, kernels, loadWasmKernels } from '../../browser/index.js';
import type { LiveCommand, LiveEvent, LiveResources, LiveSettings } from './live-protocol.js';

const post = (e: LiveEvent, transfer: Transferable[] = []) => postMessage(e, { transfer });
const WEIGHTS_EVERY_MS = 250;

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

async function setUp(r: LiveResources): Promise<void> {
  let note = '';
  try {
    // The kernels share their memory, which a page has only when cross-origin isolated (the dashboard is; a
    // report opened from disk is not): elsewhere the reference kernels run, on this one thread.
    if (typeof r.kernels === 'string') {
      // Served by the dashboard: the kernels' second thread is its script beside them.
      const url = new URL(r.kernels, self.location.href);
      await loadWasmKernels(url, { threadUrl: new URL('kernel-thread.js', url) });
      await kernels.prepare?.();
    } else await loadWasmKernels(r.kernels);
  } catch (err) {
    note = `reference kernels: ${err instanceof Error ? err.message : String(err)}`;
  }
  let bytes: ArrayBuffer;
  if (typeof r.digits === 'string') {
    const res = await fetch(r.digits);
    if (!res.ok) throw new Error(`${r.what}: ${(await res.text()).trim() || 'HTTP ' + res.status}`);
    bytes = await res.arrayBuffer();
  } else bytes = r.digits;
  const body = new Uint8Array(bytes);
  const count = new DataView(bytes).getUint32(0, true);
  labels = body.subarray(4, 4 + count);
  images = body.subarray(4 + count);
  post({
    type: 'ready',
    backend: kernels.name,
    threads: kernels.threads ?? 1,
    note,
    digits: count,
    what: r.what,
  });
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
// The first message says where the kernels and digits are; a failed set-up is reported once, and commands then
// have nothing to run.
let ready: Promise<boolean> | null = null;
self.onmessage = (e: MessageEvent<LiveCommand>) => {
  const cmd = e.data;
  if (cmd.type === 'init') {
    ready ??= setUp(cmd).then(
      () => true,
      (err) => {
        fail(err);
        return false;
      },
    );
    return;
  }
  void ready?.then((ok) => {
    if (!ok) return;
    try {
      handle(cmd);
    } catch (err) {
      fail(err);
    }
  });
};
