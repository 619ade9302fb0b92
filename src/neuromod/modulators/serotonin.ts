import { registerModulator } from '../modulator.js';

// Serotonin: patience and punishment (Doya 2002; Daw, Kakade & Dayan 2002; Miyazaki et al. 2014). The tonic level
// follows aversive outcomes; the phasic response is the aversive prediction error (punishment beyond its tonic
// expectation). Mappings read it for the temporal discount and for action inhibition (No-Go).
registerModulator({
  name: 'serotonin',
  description: {
    tonic: 'follows punishment (the average aversive outcome)',
    phasic: 'the aversive prediction error: punishment minus the tonic level',
  },
  defaults: { tauTonicMs: 10_000, tauPhasicMs: 500, phasicGain: 1, baseline: 0 },
  drives: {
    tonic: (s) => s.punishment,
    phasic: (s, m) => (s.punishment === undefined ? undefined : s.punishment - m.tonic),
  },
});
