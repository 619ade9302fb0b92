import { registerModulator } from '../modulator.js';

// Dopamine: the phasic response is the reward-prediction (TD) error (Schultz, Dayan & Montague 1997); the tonic level
// tracks the average reward rate (Niv et al. 2007), the baseline of reward-modulated plasticity.
registerModulator({
  name: 'dopamine',
  description: {
    tonic: 'follows the reward received (the average reward rate)',
    phasic: 'the TD error delta, signed (a burst for better than expected, a dip for worse)',
  },
  defaults: { tauTonicMs: 10_000, tauPhasicMs: 200, phasicGain: 1, baseline: 0 },
  drives: { tonic: (s) => s.reward, phasic: (s) => s.tdError },
});
