import { ConfigError } from '../util/errors.js';

export interface OutcomeSurpriseOptions {
  /** How many outcomes there are (e.g. 2: rewarded or not). */
  outcomes: number;
  /**
   * The probability per observation that the world changed (the volatility p_c of Liakoni et al. 2021); it sets
   * m = p_c / (1 - p_c) in the adaptation rate gamma = m S / (1 + m S).
   */
  changeProbability: number;
  /** The Dirichlet prior's count per outcome (default 1: uniform). */
  priorCount?: number;
}

export interface SurpriseReading {
  /** Bayes-factor surprise S = P(y | prior) / P(y | belief): above 1, the prior explains y better than the belief. */
  bayesFactor: number;
  /** Shannon surprise -ln P(y | belief). */
  shannon: number;
  /** The adaptation rate gamma this observation used (0: integrate, 1: start over from the prior). */
  adaptation: number;
}

/**
 * Surprise at categorical outcomes per context (a cue, a cue and an action), with the Bayes-factor surprise and
 * the surprise-modulated update of Liakoni, Modirshanechi, Gerstner & Brea (2021), "Learning in volatile
 * environments with the Bayes factor surprise": the belief is a Dirichlet over outcomes, counts alpha; after
 * observing y,
 *   S = P(y | prior) / P(y | belief),   gamma = m S / (1 + m S),
 *   alpha <- (1 - gamma) (alpha + e_y) + gamma (alpha0 + e_y)
 * so a surprising outcome mostly restarts the belief from the prior (a detected change) and an expected one is
 * integrated. This is the predictive module of a Go/No-Go learner: its surprise drives noradrenaline.
 */
export class OutcomeSurprise {
  private readonly counts = new Map<string, Float64Array>();
  private readonly m: number;
  readonly priorCount: number;

  constructor(readonly options: OutcomeSurpriseOptions) {
    const { outcomes, changeProbability } = options;
    if (!(Number.isInteger(outcomes) && outcomes >= 2 && outcomes <= 1 << 16))
      throw new ConfigError('surprise.outcomes', `expected an integer in [2, 65536], found ${outcomes}`);
    if (!(changeProbability > 0 && changeProbability < 1))
      throw new ConfigError(
        'surprise.changeProbability',
        `expected a probability in (0, 1), found ${changeProbability}`,
      );
    this.priorCount = options.priorCount ?? 1;
    if (!(this.priorCount > 0 && Number.isFinite(this.priorCount)))
      throw new ConfigError('surprise.priorCount', `expected a positive count, found ${this.priorCount}`);
    this.m = changeProbability / (1 - changeProbability);
  }

  /** The belief's probability of each outcome in `context` (the prior's for a context never seen). */
  predict(context: string): Float64Array {
    const a = this.belief(context);
    let total = 0;
    for (const v of a) total += v;
    return a.map((v) => v / total);
  }

  /** Observes outcome y in `context`: the surprise it carries, then the belief updated. */
  observe(context: string, y: number): SurpriseReading {
    const k = this.options.outcomes;
    if (!(Number.isInteger(y) && y >= 0 && y < k))
      throw new ConfigError('surprise.observe', `expected an outcome in 0..${k - 1}, found ${y}`);
    const a = this.belief(context);
    let total = 0;
    for (const v of a) total += v;
    const pBelief = a[y] / total;
    const pPrior = 1 / k;
    const s = pPrior / pBelief;
    const gamma = (this.m * s) / (1 + this.m * s);
    for (let i = 0; i < k; i++) a[i] = (1 - gamma) * a[i] + gamma * this.priorCount + (i === y ? 1 : 0);
    return { bayesFactor: s, shannon: -Math.log(pBelief), adaptation: gamma };
  }

  reset(): void {
    this.counts.clear();
  }

  private belief(context: string): Float64Array {
    let a = this.counts.get(context);
    if (!a) this.counts.set(context, (a = new Float64Array(this.options.outcomes).fill(this.priorCount)));
    return a;
  }
}
