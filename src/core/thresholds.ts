/**
 * The policy's thresholds and their defaults, apart from the policy's parser so that the panels' view models
 * (bundled for the browser) can use the same numbers without the schema validator.
 */

export interface PolicyThresholds {
  kAnonymity: number;
  singlingOutShare: number;
  piiColumnShare: number;
  disparateImpact: number;
  demographicParityDifference: number;
  demographicParityRatio: number;
  equalizedOddsDifference: number;
  equalizedOddsRatio: number;
  equalOpportunityDifference: number;
  predictiveParityDifference: number;
  proxyCramersV: number;
  minGroupSize: number;
}

/** Defaults follow common practice: k ≥ 5, the four-fifths rule, Fairlearn-style 0.1 differences. */
export const DEFAULT_THRESHOLDS: PolicyThresholds = {
  kAnonymity: 5,
  singlingOutShare: 0.5,
  piiColumnShare: 0.5,
  disparateImpact: 0.8,
  demographicParityDifference: 0.1,
  demographicParityRatio: 0.8,
  equalizedOddsDifference: 0.1,
  equalizedOddsRatio: 0.8,
  equalOpportunityDifference: 0.1,
  predictiveParityDifference: 0.1,
  proxyCramersV: 0.5,
  minGroupSize: 30,
};
