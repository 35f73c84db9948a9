/** cohortlink's version, as encoders stamp it and reports name their generator (kept equal to package.json's by a test). */
export const COHORTLINK_VERSION = '0.1.0';
