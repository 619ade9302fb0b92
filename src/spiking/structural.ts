import { Rng } from '../util/rng.js';
import { ConfigError } from '../util/errors.js';
import { requireNonNegative, requirePositive } from './params.js';
import type { Projection } from './projection.js';
import type { PlasticityRule } from './types.js';
import type { KindDescription } from './registries.js';
import { stateNumber, stateObject, stateRng, type SavedState } from './saved-state.js';

export interface StructuralPlasticityParameters {
  /** Synapses weaker than this are pruned. */
  pruneBelow: number;
  /** The synapse budget: after each update the projection holds this many synapses (while pairs are free). */
  budget: number;
  /** Weight of newly grown synapses. */
  growWeight: number;
  everyMs: number;
  seed: number;
}

/**
 * Structural plasticity under a synapse budget (in the spirit of Deger et al. 2012; Knoblauch 2017): every
 * `everyMs`, synapses weaker than `pruneBelow` are removed and new ones grown between randomly drawn unconnected
 * pairs until the projection holds `budget` synapses. Combine with a weight rule through RuleChain; rules with
 * per-synapse state notice the rewiring through the projection's version.
 */
export class StructuralPlasticity implements PlasticityRule {
  readonly kind = 'structural';
  private projection: Projection | null = null;
  private stepsPerUpdate = 1;
  private steps = 0;
  private readonly rng: Rng;
  /** Pruned and grown synapse counts of the last update. */
  lastUpdate = { pruned: 0, grown: 0 };

  constructor(readonly p: StructuralPlasticityParameters) {
    requireNonNegative('structural', 'pruneBelow', p.pruneBelow);
    requireNonNegative('structural', 'budget', p.budget);
    requireNonNegative('structural', 'growWeight', p.growWeight);
    requirePositive('structural', 'everyMs', p.everyMs);
    if (!Number.isInteger(p.seed) || p.seed < 0 || p.seed > 0xffffffff)
      throw new ConfigError('structural.seed', `expected an integer in [0, 4294967295], found ${p.seed}`);
    this.rng = new Rng(p.seed, 13);
  }

  attach(projection: Projection): void {
    this.projection = projection;
    this.stepsPerUpdate = Math.max(1, Math.round(this.p.everyMs / projection.dtMs));
  }

  step(): void {
    if (++this.steps < this.stepsPerUpdate) return;
    this.steps = 0;
    this.update();
  }

  /** One prune-and-grow pass now. */
  update(): void {
    const proj = this.projection;
    if (!proj) throw new Error('StructuralPlasticity: not attached to a projection');
    const n = proj.synapseCount;
    const keep = new Uint8Array(n);
    const existing = new Set<number>();
    let kept = 0;
    for (let i = 0; i < proj.sourceSize; i++)
      for (let k = proj.rowStart[i]; k < proj.rowStart[i + 1]; k++)
        if (proj.weight[k] >= this.p.pruneBelow) {
          keep[k] = 1;
          kept++;
          existing.add(i * proj.targetSize + proj.post[k]);
        }
    const capacity = proj.sourceSize * proj.targetSize;
    const want = Math.min(this.p.budget, capacity) - kept;
    const additions: { pre: number; post: number; weight: number }[] = [];
    // Rejection sampling of free pairs; fine while the budget is well below full connectivity.
    for (let tries = 0; additions.length < want && tries < 100 * (want + 1); tries++) {
      const pair = this.rng.int(capacity);
      if (existing.has(pair)) continue;
      existing.add(pair);
      additions.push({
        pre: Math.floor(pair / proj.targetSize),
        post: pair % proj.targetSize,
        weight: this.p.growWeight,
      });
    }
    this.lastUpdate = { pruned: n - kept, grown: additions.length };
    proj.rewire(keep, additions);
  }

  /** The description `createPlasticityRule` builds this rule from (for saving). */
  describe(): KindDescription {
    return { kind: 'structural', ...this.p };
  }

  /** The steps since the last update, the generator that draws new pairs, and the last update's counts. */
  saveState(): SavedState {
    return { steps: this.steps, rng: this.rng.getState(), lastUpdate: { ...this.lastUpdate } };
  }

  loadState(state: SavedState, where: string): void {
    this.steps = stateNumber(state, 'steps', where, 'count');
    this.rng.setState(stateRng(state, 'rng', where));
    const last = stateObject(state, 'lastUpdate', where);
    this.lastUpdate = {
      pruned: stateNumber(last, 'pruned', `${where}.lastUpdate`, 'count'),
      grown: stateNumber(last, 'grown', `${where}.lastUpdate`, 'count'),
    };
  }
}
