import { registerModulator } from '../modulator.js';

// Acetylcholine: expected uncertainty (Yu & Dayan 2005), the known unreliability of the current predictions; it sets
// the learning rate and favours bottom-up input over top-down or recurrent input (Hasselmo 2006).
registerModulator({
  name: 'acetylcholine',
  description: {
    tonic: 'follows expected uncertainty (the uncertainty signal, else the size of the prediction error)',
    phasic: 'the same signal, fast: a rise of uncertainty shows within one phasic time constant',
  },
  defaults: { tauTonicMs: 5_000, tauPhasicMs: 500, phasicGain: 0.2, baseline: 0 },
  drives: {
    tonic: (s) => s.uncertainty ?? s.predictionError,
    phasic: (s) => s.uncertainty ?? s.predictionError,
  },
});
