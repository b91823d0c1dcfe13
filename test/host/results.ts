/**
 * What an extension test suite running inside the extension host reports back to the launcher: a JSON file
 * at the path in `RML_TEST_RESULTS`, written (temp file + rename) when the suite ends.
 */
export interface TestResult {
  fullTitle: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs: number;
  /** Message and stack of a failure. */
  error?: string;
}

export interface SuiteResults {
  /** The launch this came from (e.g. `trusted`, `restricted`). */
  group: string;
  tests: TestResult[];
  /** Figures the suites measured (e.g. activation time), printed by the launcher; never asserted on. */
  metrics?: Record<string, number>;
  /** Set when the suite could not run at all (e.g. the extension failed to load). */
  fatal?: string;
}

export const RESULTS_ENV = 'RML_TEST_RESULTS';
export const GROUP_ENV = 'RML_TEST_GROUP';
export const GREP_ENV = 'RML_TEST_GREP';
