/**
 * The built-in task kinds. Adding a kind: a folder beside these whose index.ts exports a TaskKind, and one
 * registration line here.
 */
import { registerTaskKind } from '../task-kind.js';
import { classificationTask } from './classification/index.js';
import { diehlCookTask } from './diehl-cook/index.js';
import { continualTask } from './continual/index.js';
import { goNoGoTask } from './go-nogo/index.js';
import { evolutionTask } from './evolution/index.js';
import { v1RatesTask } from './v1-rates/index.js';
import { v1ReadoutTask } from './v1-readout/index.js';
import { v1RulesTask } from './v1-rules/index.js';
import { dialectTask } from './adapt-dialect/index.js';
import { cartPoleTask } from './adapt-cartpole/index.js';
import { visionTask } from './adapt-vision/index.js';
import { sonataTask } from './sonata/index.js';

registerTaskKind(classificationTask);
registerTaskKind(diehlCookTask);
registerTaskKind(continualTask);
registerTaskKind(goNoGoTask);
registerTaskKind(evolutionTask);
registerTaskKind(v1RatesTask);
registerTaskKind(v1ReadoutTask);
registerTaskKind(v1RulesTask);
registerTaskKind(dialectTask);
registerTaskKind(cartPoleTask);
registerTaskKind(visionTask);
registerTaskKind(sonataTask);
