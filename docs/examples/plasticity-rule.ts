import {
  createPlasticityRule,
  Network,
  registerPlasticityRule,
  type PlasticityRule,
  type Projection,
} from '../../src/spiking/index.js';

/** Each presynaptic spike strengthens the synapses it uses by `eta`, up to wMax: a rule in one file. */
export class PresynapticPotentiation implements PlasticityRule {
  readonly kind = 'presynaptic-potentiation';
  private projection: Projection | null = null;

  constructor(
    readonly eta: number,
    readonly wMax: number,
  ) {}

  attach(projection: Projection): void {
    this.projection = projection;
  }

  step(preSpikes: Int32Array): void {
    const { rowStart, weight } = this.projection!;
    for (const i of preSpikes)
      for (let k = rowStart[i]; k < rowStart[i + 1]; k++)
        weight[k] = Math.min(this.wMax, weight[k] + this.eta);
  }
}

// The one registration line: descriptions (experiment files, models, evolved genomes) can now name it.
registerPlasticityRule({
  kind: 'presynaptic-potentiation',
  description: 'each presynaptic spike strengthens its synapses by eta, up to wMax',
  parameters: ['eta', 'wMax'],
  create: (p) => new PresynapticPotentiation(p.eta as number, p.wMax as number),
});

/** Used like any built-in rule: passed to `connect`, stepped by the network after each step's propagation. */
export function runPresynapticPotentiation() {
  const net = new Network(0.1);
  const pre = net.poisson('pre', 5, 40, 1);
  const post = net.poisson('post', 3, 10, 2);
  const spikes = net.monitorSpikes(pre);
  const projection = net.connect(pre, post, {
    connector: { kind: 'all-to-all' },
    weight: 0,
    receptor: 'exc',
    seed: 1,
    plasticity: createPlasticityRule({ kind: 'presynaptic-potentiation', eta: 0.01, wMax: 1 }),
  });
  net.run(200);
  return { projection, preSpikes: spikes.indices };
}
