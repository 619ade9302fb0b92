import type { Kernels } from './types.js';

/** Indices into the LIF parameter block passed to `lifStep`. */
export const LIF = {
  G_LEAK: 0,
  CM: 1,
  E_LEAK: 2,
  E_EXC: 3,
  E_INH: 4,
  BIAS: 5,
  V_THRESH: 6,
  V_RESET: 7,
  DT: 8,
  DECAY_EXC: 9,
  DECAY_INH: 10,
  LEAK_DECAY: 11,
  SIZE: 12,
} as const;

/**
 * One exponential-Euler step of a LIF population (reference): refractory neurons hold vReset; the others relax
 * exactly toward the steady state of the held synaptic drive; threshold, reset, refractory count; synaptic
 * variables decay exactly. Returns the number of spikes written to `spikes`.
 */
export const referenceSpiking: Pick<Kernels, 'lifStep'> = {
  lifStep(n, v, exc, inh, input, refractory, spikes, prm, conductance, refractorySteps) {
    const gL = prm[LIF.G_LEAK];
    const cm = prm[LIF.CM];
    const eL = prm[LIF.E_LEAK];
    const eE = prm[LIF.E_EXC];
    const eI = prm[LIF.E_INH];
    const bias = prm[LIF.BIAS];
    const vTh = prm[LIF.V_THRESH];
    const vReset = prm[LIF.V_RESET];
    const dt = prm[LIF.DT];
    const decayE = prm[LIF.DECAY_EXC];
    const decayI = prm[LIF.DECAY_INH];
    const leak = prm[LIF.LEAK_DECAY];
    let count = 0;
    for (let i = 0; i < n; i++) {
      const ge = exc[i];
      const gi = inh[i];
      if (refractory[i] > 0) {
        refractory[i]--;
        v[i] = vReset;
      } else {
        let vi = v[i];
        const drive = bias + input[i];
        if (conductance) {
          const gTot = gL + ge + gi;
          const vInf = (gL * eL + ge * eE + gi * eI + drive) / gTot;
          vi = vInf + (vi - vInf) * Math.exp((-dt * gTot) / cm);
        } else {
          const vInf = eL + (ge - gi + drive) / gL;
          vi = vInf + (vi - vInf) * leak;
        }
        if (vi > vTh) {
          spikes[count++] = i;
          vi = vReset;
          refractory[i] = refractorySteps;
        }
        v[i] = vi;
      }
      exc[i] = ge * decayE;
      inh[i] = gi * decayI;
    }
    return count;
  },
};
