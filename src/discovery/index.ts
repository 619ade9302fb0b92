/**
 * Rule discovery in the V1 model (Ye et al., ICLR 2026): the change-detection task, the study's objectives and the
 * evolution problem that joins the cortex model to the search.
 */
export { wasserstein1, rateDeviation, classWasserstein, SynchronyMeter } from './objectives.js';
export {
  runChangeDetection,
  CHANGE_DETECTION_DEFAULTS,
  type ChangeDetectionOptions,
  type ChangeDetectionResult,
  type ChangeTrial,
  type StimulusDomain,
} from './change-detection.js';
export {
  v1RuleProblem,
  v1RuleOptions,
  v1RuleGenome,
  evaluateV1Rule,
  V1_RULE_OBJECTIVES,
  V1_RULE_DEFAULTS,
  RUNAWAY_PENALTY,
  CLASS_NAMES,
  type V1RuleOptions,
  type V1RuleEvaluation,
} from './v1-rule-problem.js';
export { clusterRules, paperBestRule, PAPER_BEST_TERMS, type RuleFamily } from './analysis.js';
