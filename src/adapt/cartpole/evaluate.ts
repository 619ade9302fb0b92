import { ConfigError } from '../../util/errors.js';
import { Rng } from '../../util/rng.js';
import type { Controller } from './controllers.js';
import { CartPole, checkCartPoleParams, STANDARD_CART_POLE, type CartPoleParams } from './env.js';

/** A run of episodes under one dynamics (given as changes to the standard parameters). */
export interface DynamicsPhase {
  episodes: number;
  params: Partial<CartPoleParams>;
  /** optional change within each episode of this phase */
  within?: { atStep: number; params: Partial<CartPoleParams> };
}

export interface EpisodeResult {
  /** Steps after which the cart-pole was still within its bounds. */
  steps: number;
  /** Whether the episode reached maxSteps. */
  balanced: boolean;
}

/** The reinforcement of Barto, Sutton & Anderson (1983): 0 while balanced, -1 at failure. */
export const BALANCED_REWARD = 0;
export const FAILURE_REWARD = -1;

/** Checks the phases before any episode runs. */
export function checkPhases(phases: DynamicsPhase[], where: string): void {
  if (!Array.isArray(phases) || phases.length === 0)
    throw new ConfigError(where, `expected at least one phase, found ${JSON.stringify(phases)}`);
  phases.forEach((phase, i) => {
    if (!Number.isInteger(phase.episodes) || phase.episodes < 0)
      throw new ConfigError(
        `${where}[${i}].episodes`,
        `expected an integer >= 0, found ${JSON.stringify(phase.episodes)}`,
      );
    checkCartPoleParams(phase.params, `${where}[${i}].params`);
    if (phase.within) {
      if (!Number.isInteger(phase.within.atStep) || phase.within.atStep < 0)
        throw new ConfigError(
          `${where}[${i}].within.atStep`,
          `expected an integer >= 0, found ${JSON.stringify(phase.within.atStep)}`,
        );
      checkCartPoleParams(phase.within.params, `${where}[${i}].within.params`);
    }
  });
}

/**
 * Runs the phases' episodes one after the other with one controller (which may learn across them). Each episode
 * starts from the standard parameters with the phase's changes, a state drawn by `CartPole.reset`, and
 * `controller.startEpisode`; each step the controller gets the observation and the previous step's reward, and the
 * episode ends at failure or after maxSteps, when `controller.endEpisode` gets the last observation and reward.
 */
export function runEpisodes(
  controller: Controller,
  phases: DynamicsPhase[],
  maxSteps: number,
  rng: Rng,
): EpisodeResult[] {
  checkPhases(phases, 'phases');
  if (!Number.isInteger(maxSteps) || maxSteps < 1)
    throw new ConfigError('maxSteps', `expected an integer >= 1, found ${JSON.stringify(maxSteps)}`);
  const results: EpisodeResult[] = [];
  const env = new CartPole(STANDARD_CART_POLE);
  // The controller draws (e.g. a Hebbian network's initial weights) from its own stream, so every controller run
  // with the same rng meets the same starting states.
  const controllerRng = new Rng(rng.nextU32(), 23);
  for (const phase of phases) {
    const params = { ...STANDARD_CART_POLE, ...phase.params };
    for (let e = 0; e < phase.episodes; e++) {
      env.params = { ...params };
      env.reset(rng);
      controller.startEpisode(controllerRng);
      let reward = 0;
      let steps = 0;
      let failed = false;
      while (steps < maxSteps) {
        if (phase.within && steps === phase.within.atStep) env.setParams(phase.within.params);
        const action = controller.act(env.observation(), reward);
        if (!env.step(action)) {
          failed = true;
          break;
        }
        steps++;
        reward = BALANCED_REWARD;
      }
      controller.endEpisode?.(env.observation(), failed ? FAILURE_REWARD : reward, failed);
      results.push({ steps, balanced: steps === maxSteps });
    }
  }
  return results;
}

/** Where each phase starts in the list of results (the first at 0). */
export function phaseStarts(phases: DynamicsPhase[]): number[] {
  const starts: number[] = [];
  let at = 0;
  for (const p of phases) {
    starts.push(at);
    at += p.episodes;
  }
  return starts;
}

/**
 * Per change of dynamics (each entry of phaseStarts): how many episodes after the change passed before the first
 * window of `window` consecutive episodes whose mean steps reach criterionSteps (0: the first window after the
 * change already does), or null if no such window fits before the next change (or the end).
 */
export function recoveryEpisodes(
  results: EpisodeResult[],
  phaseStarts: number[],
  criterionSteps: number,
  window: number,
): (number | null)[] {
  if (!Number.isInteger(window) || window < 1)
    throw new ConfigError('window', `expected an integer >= 1, found ${JSON.stringify(window)}`);
  const sorted = [...phaseStarts].sort((a, b) => a - b);
  return phaseStarts.map((start) => {
    const next = sorted.find((s) => s > start) ?? results.length;
    const end = Math.min(next, results.length);
    for (let k = start; k + window <= end; k++) {
      let sum = 0;
      for (let e = k; e < k + window; e++) sum += results[e].steps;
      if (sum / window >= criterionSteps) return k - start;
    }
    return null;
  });
}
