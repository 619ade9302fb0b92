import type { SpikingKernels } from './types.js';
import { LifParam } from './layouts.js';

/**
 * One step of a LIF population (reference): refractory neurons hold vReset; the others relax exactly toward the
 * steady state of the held synaptic drive (exponential Euler); threshold, reset, refractory count; synaptic
 * variables decay exactly. With current synapses each current enters the steady state scaled by its gain
 * (LifParam.EXC_GAIN, INH_GAIN): gains of 1 are exponential Euler, the exact integrator's gains give the exact
 * solution of the linear equation with exponentially decaying currents. Returns the number of spikes written.
 */
export const referenceSpiking: SpikingKernels = {
  lifStep(n, v, exc, inh, input, refractory, spikes, prm, conductance, refractorySteps) {
    const gL = prm[LifParam.G_LEAK];
    const cm = prm[LifParam.CM];
    const eL = prm[LifParam.E_LEAK];
    const eE = prm[LifParam.E_EXC];
    const eI = prm[LifParam.E_INH];
    const bias = prm[LifParam.BIAS];
    const vTh = prm[LifParam.V_THRESH];
    const vReset = prm[LifParam.V_RESET];
    const dt = prm[LifParam.DT];
    const decayE = prm[LifParam.DECAY_EXC];
    const decayI = prm[LifParam.DECAY_INH];
    const leak = prm[LifParam.LEAK_DECAY];
    const gainE = prm[LifParam.EXC_GAIN];
    const gainI = prm[LifParam.INH_GAIN];
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
          const vInf = eL + (ge * gainE - gi * gainI + drive) / gL;
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
