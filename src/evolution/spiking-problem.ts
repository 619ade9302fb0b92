import { Network, SONG_NEURON, TaylorRule } from '../spiking/index.js';
import { numberOption } from './options.js';
import { RuleGenome, threeFactorTerms } from './genome.js';
import { registerProblem, type Problem } from './problem.js';

/**
 * A fixed spiking evaluation, the unit `bench evolve` and the queue tests time: Poisson inputs drive a population
 * of excitatory and inhibitory LIF neurons (Song et al.'s conductance-based neuron) for `simulatedMs`, the input
 * synapses plastic under the genome's Taylor rule. Objectives: the distance of the excitatory rate from
 * `targetRateHz`, and the mean absolute weight change. It stands for the cost of one rule evaluation in a small
 * network, not for a task. `stepFraction` > 0 turns on the adaptive scaling of updates (`AdaptiveScaling`).
 */
export function spikingRuleProblem(options: Record<string, unknown> = {}, where = 'problem'): Problem {
  const int = (key: string, fallback: number, min: number) =>
    numberOption(
      options,
      key,
      fallback,
      (v) => Number.isInteger(v) && v >= min,
      `an integer >= ${min}`,
      where,
    );
  const inputs = int('inputs', 200, 1);
  const excitatory = int('excitatory', 240, 1);
  const inhibitory = int('inhibitory', 60, 1);
  const simulatedMs = numberOption(options, 'simulatedMs', 1000, (v) => v > 0, 'a number > 0', where);
  const targetRateHz = numberOption(options, 'targetRateHz', 10, (v) => v > 0, 'a number > 0', where);
  const stepFraction = numberOption(
    options,
    'stepFraction',
    0,
    (v) => v >= 0 && v <= 1,
    'a number in [0, 1] (0: no adaptive scaling)',
    where,
  );
  const averagingSteps = numberOption(options, 'averagingSteps', 1000, (v) => v >= 1, 'a number >= 1', where);
  const genome = new RuleGenome(
    {
      neuronTypes: ['input', 'E'],
      synapseTypes: [['input', 'E']],
      coefficientSharing: 'shared',
      // Event-driven terms (a spike factor in each): the every-step terms cost a pass over all synapses per step.
      terms: threeFactorTerms().filter((p) => p[0] + p[1] > 0),
    },
    `${where}.genome`,
  );
  const g = SONG_NEURON.gLeakNs;
  return {
    name: 'spiking-rule',
    low: genome.low,
    high: genome.high,
    objectives: [
      { name: 'rate_error_hz', direction: 'min' },
      { name: 'weight_change', direction: 'min' },
    ],
    evaluate(x, seed) {
      const rule = genome.decode(x);
      const net = new Network(0.1);
      const input = net.poisson('input', inputs, 10, seed);
      const e = net.lif('E', excitatory, SONG_NEURON, { name: 'E', transmitter: 'excitatory' });
      const i = net.lif('I', inhibitory, SONG_NEURON, { name: 'I', transmitter: 'inhibitory' });
      const w0 = 0.12 * g;
      const plastic = net.connect(input, e, {
        connector: { kind: 'fixed-probability', p: 0.2 },
        weight: w0,
        receptor: 'exc',
        seed: seed + 1,
        plasticity: new TaylorRule(
          genome.taylorRule(rule, 'input', 'E', {
            wMax: 4 * w0,
            learningRate: 1e-2 * w0,
            ...(stepFraction > 0 ? { adaptiveScaling: { stepFraction, averagingSteps } } : {}),
          }),
        ),
      });
      net.connect(e, i, {
        connector: { kind: 'fixed-probability', p: 0.1 },
        weight: 0.05 * g,
        receptor: 'exc',
        seed: seed + 2,
      });
      net.connect(i, e, {
        connector: { kind: 'fixed-probability', p: 0.1 },
        weight: 0.2 * g,
        receptor: 'inh',
        seed: seed + 3,
      });
      const spikes = net.monitorSpikes(e);
      net.run(simulatedMs);
      const rate = spikes.count / excitatory / (simulatedMs / 1000);
      let change = 0;
      for (const w of plastic.weight) change += Math.abs(w - w0) / w0;
      return [Math.abs(rate - targetRateHz), change / plastic.weight.length];
    },
  };
}

registerProblem('spiking-rule', spikingRuleProblem);
