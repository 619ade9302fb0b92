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

export type LiveCommand =
  | ({ type: 'start' } & LiveSettings)
  | { type: 'learn'; learn: boolean }
  | { type: 'pace'; msPerDigit: number }
  | { type: 'pause' }
  | { type: 'resume' };

export type LiveEvent =
  | { type: 'ready'; backend: string; note: string; digits: number }
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
