/** Messages between the live-network page (live.ts) and its worker (live-worker.ts). */
export interface LiveSettings {
  neurons: number;
  seed: number;
  inputIntensity: number;
  /** Potentiation rate of the input STDP (Diehl & Cook's nu_post). */
  nuPost: number;
  learn: boolean;
  /** Wall-clock milliseconds per digit at least (0: as fast as the engine goes; 500: real time). */
  msPerDigit: number;
}

/** Where the worker finds what it needs: the dashboard's URLs, or the bytes a report carries inside it. */
export interface LiveResources {
  kernels: string | ArrayBuffer;
  /** count (u32 LE), labels, then 28 x 28 pixels per image, as `/api/live/digits` serves them. */
  digits: string | ArrayBuffer;
  /** What the digits are, for the status line (e.g. "MNIST digits"). */
  what: string;
}

export type LiveCommand =
  | ({ type: 'init' } & LiveResources)
  | ({ type: 'start' } & LiveSettings)
  | { type: 'learn'; learn: boolean }
  | { type: 'pace'; msPerDigit: number }
  | { type: 'pause' }
  | { type: 'resume' };

export type LiveEvent =
  | { type: 'ready'; backend: string; threads: number; note: string; digits: number; what: string }
  | {
      type: 'presentation';
      /** Which start this belongs to: the page drops what an earlier one sent after a restart. */
      generation: number;
      index: number;
      label: number;
      spikes: number;
      intensity: number;
      imagesPerSecond: number;
    }
  | {
      type: 'weights';
      generation: number;
      index: number;
      neurons: number;
      inputSize: number;
      /** Input -> excitatory weights, row-major [inputSize x neurons]. */
      weights: Float32Array;
      /** Per neuron, the digit it has answered most (-1: none yet). */
      classOf: Int8Array;
    }
  | { type: 'error'; message: string };
