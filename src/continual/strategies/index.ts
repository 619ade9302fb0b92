/**
 * The built-in continual-learning methods. Adding one: a file beside these exporting a StrategyKind, and one
 * registration line here.
 */
import { registerStrategy } from '../strategy.js';
import { ewc, onlineEwc } from './ewc.js';
import { finetune } from './finetune.js';
import { joint } from './joint.js';
import { lwf } from './lwf.js';
import { replay } from './replay.js';
import { si } from './si.js';

registerStrategy(finetune);
registerStrategy(joint);
registerStrategy(ewc);
registerStrategy(onlineEwc);
registerStrategy(si);
registerStrategy(lwf);
registerStrategy(replay);
import { generativeReplay } from './generative-replay.js';
registerStrategy(generativeReplay);
