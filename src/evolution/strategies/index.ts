import { registerStrategy } from '../strategy.js';
import { competitiveSwarm } from './competitive-swarm.js';
import { lmocso } from './lmocso.js';
import { nsga2 } from './nsga2.js';
import { openAiEs } from './openai-es.js';
import { sepCmaEs } from './sep-cma-es.js';

// One line per strategy.
registerStrategy('competitive-swarm', (o, w) => competitiveSwarm(o, w));
registerStrategy('nsga2', (o, w) => nsga2(o, w));
registerStrategy('lmocso', (o, w) => lmocso(o, w));
registerStrategy('sep-cma-es', (o, w) => sepCmaEs(o, w));
registerStrategy('openai-es', (o, w) => openAiEs(o, w));

export { competitiveSwarm, lmocso, nsga2, openAiEs, sepCmaEs };
export type { LmocsoOptions, LmocsoState } from './lmocso.js';
export type { CompetitiveSwarmOptions, CompetitiveSwarmState, SwarmMember } from './competitive-swarm.js';
export type { Nsga2Options, Nsga2State } from './nsga2.js';
