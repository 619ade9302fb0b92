// The built-in modulators: one file and one line each.
import './dopamine.js';
import './acetylcholine.js';
import './noradrenaline.js';
import './serotonin.js';
