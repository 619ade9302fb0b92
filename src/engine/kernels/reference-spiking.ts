import { Rng } from '../../util/rng.js';
import type { SpikingKernels } from './types.js';
import { Glif3Param, LifParam } from './layouts.js';

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

  /**
   * GLIF3 (reference): arithmetic in float64 on the float32 state and block, in the order the WASM kernel uses, so
   * both give the same bits. Decayed variables below 1e-30 are flushed to 0 (no float32 subnormals).
   */
  glif3Step(n, v, asc1, asc2, exc, excC, inh, inhC, input, thr, refractory, spikes, prm, refractorySteps) {
    const eL = prm[Glif3Param.E_LEAK];
    const gL = prm[Glif3Param.G_LEAK];
    const vTh = prm[Glif3Param.V_THRESH];
    const vReset = prm[Glif3Param.V_RESET];
    const bias = prm[Glif3Param.BIAS];
    const leak = prm[Glif3Param.LEAK_DECAY];
    const d1 = prm[Glif3Param.ASC1_DECAY];
    const d2 = prm[Glif3Param.ASC2_DECAY];
    const g1 = prm[Glif3Param.ASC1_GAIN];
    const g2 = prm[Glif3Param.ASC2_GAIN];
    const r1 = prm[Glif3Param.ASC1_RETENTION];
    const r2 = prm[Glif3Param.ASC2_RETENTION];
    const amp1 = prm[Glif3Param.ASC1_AMP];
    const amp2 = prm[Glif3Param.ASC2_AMP];
    const dE = prm[Glif3Param.EXC_DECAY];
    const riseE = prm[Glif3Param.EXC_RISE];
    const gE = prm[Glif3Param.EXC_GAIN];
    const gEc = prm[Glif3Param.EXC_CURRENT_GAIN];
    const dI = prm[Glif3Param.INH_DECAY];
    const riseI = prm[Glif3Param.INH_RISE];
    const gI = prm[Glif3Param.INH_GAIN];
    const gIc = prm[Glif3Param.INH_CURRENT_GAIN];
    const flush = (x: number) => (Math.abs(x) > 1e-30 ? x : 0);
    let count = 0;
    for (let i = 0; i < n; i++) {
      const a1 = asc1[i];
      const a2 = asc2[i];
      const e = exc[i];
      const ec = excC[i];
      const h = inh[i];
      const hc = inhC[i];
      let a1n = a1 * d1;
      let a2n = a2 * d2;
      if (refractory[i] > 0) {
        refractory[i]--;
        v[i] = vReset;
      } else {
        const uInf = (bias + input[i]) / gL;
        const u =
          uInf + (v[i] - eL - uInf) * leak + g1 * a1 + g2 * a2 + gEc * ec + gE * e - gIc * hc - gI * h;
        let vi = eL + u;
        if (vi > vTh + thr[i]) {
          spikes[count++] = i;
          vi = vReset;
          refractory[i] = refractorySteps;
          a1n = r1 * a1n + amp1;
          a2n = r2 * a2n + amp2;
        }
        v[i] = vi;
      }
      asc1[i] = flush(a1n);
      asc2[i] = flush(a2n);
      exc[i] = flush(e * dE);
      excC[i] = flush(ec * dE + e * riseE);
      inh[i] = flush(h * dI);
      inhC[i] = flush(hc * dI + h * riseI);
    }
    return count;
  },
  poissonStep(n, rateHz, scale, rngState, spikes) {
    const rng = Rng.fromState([rngState[0] >>> 0, rngState[1] >>> 0, rngState[2] >>> 0, rngState[3] >>> 0]);
    let count = 0;
    for (let i = 0; i < n; i++) if (rng.nextU32() < rateHz[i] * scale) spikes[count++] = i;
    rngState.set(rng.getState());
    return count;
  },
};
