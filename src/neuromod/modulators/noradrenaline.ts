import { registerModulator } from '../modulator.js';

// Noradrenaline: unexpected uncertainty (Yu & Dayan 2005). A surprise above threshold (a change of context or
// contingency, Barry & Gerstner 2024) gives a phasic burst; the tonic level follows surprise (Aston-Jones & Cohen 2005:
// high tonic NA, exploration).
registerModulator({
  name: 'noradrenaline',
  description: {
    tonic: 'follows surprise',
    phasic: 'a burst of the surprise above surpriseThreshold (a detected change of context or contingency)',
  },
  defaults: { tauTonicMs: 5_000, tauPhasicMs: 1_000, phasicGain: 1, baseline: 0, surpriseThreshold: 1 },
  drives: {
    tonic: (s) => s.surprise,
    phasic: (s, m) =>
      s.surprise === undefined ? undefined : Math.max(0, s.surprise - m.params.surpriseThreshold),
  },
});
