import { ATTRIBUTE_RESERVED_NAME, type Rates, type ResolvedDataset } from './config.js';

/**
 * The national data opt-out register as a dataset of its own. It is keyed on NHS number and
 * maintained from the spine, so its identifiers are cleaner than a hospital's; it is still
 * encoded and linked like any other dataset, which is how the service learns who opted out.
 */

export const OPT_OUT_DATASET = ATTRIBUTE_RESERVED_NAME;

const RATES: Rates = {
  nhsMissing: 0.01,
  nhsTypo: 0.002,
  givenMissing: 0.001,
  familyMissing: 0.001,
  dobMissing: 0.001,
  sexMissing: 0.002,
  postcodeMissing: 0.01,
  addressMissing: 0.01,
  keyboardTypo: 0.01,
  ocr: 0,
  phonetic: 0.005,
  nickname: 0.01,
  nameSwap: 0.001,
  dayMonthSwap: 0.002,
  dateTypo: 0.002,
  moved: 0.03,
  marriedName: 0.01,
};

/** Written in the `gp` style (dd-Mon-yyyy, M/F/I); membership is the person's opted-out flag. */
export const OPT_OUT_SPEC: ResolvedDataset = {
  name: OPT_OUT_DATASET,
  overlap: 1,
  format: 'gp',
  rates: RATES,
  heavyRates: null,
};
