import type { Condition, Procedure } from './attributesModel.js';
import type { FormatName } from './config.js';

/**
 * Which codes each kind of data holder writes for the same clinical truth. Hospital episodes
 * carry ICD-10 diagnoses and OPCS-4 procedures in the HES style (no dot: `E119`, `W371`); GP
 * records carry SNOMED CT concepts; a registry holds only the conditions it registers (cancer,
 * diabetes audit) in WHO dotted ICD-10; a trial site's case report forms note some diagnoses.
 * So a person's events are split across datasets and only the union tells the whole story.
 */

export type CodeSystem = 'ICD-10' | 'OPCS-4' | 'SNOMED-CT';

/** ICD-10 codes per condition (dotted WHO form); one is picked per event. */
export const ICD10: Record<Condition, readonly string[]> = {
  E11: ['E11.9', 'E11.9', 'E11.9', 'E11.6', 'E11.5', 'E11.3'],
  I10: ['I10'],
  J45: ['J45.9', 'J45.9', 'J45.0', 'J45.1'],
  C50: ['C50.9', 'C50.4', 'C50.8', 'C50.2', 'C50.1'],
  F32: ['F32.9', 'F32.1', 'F32.0', 'F32.2'],
};

/** SNOMED CT concept ids (valid Verhoeff check digits) for the same conditions. */
export const SNOMED: Record<Condition, readonly string[]> = {
  E11: ['44054006'], // diabetes mellitus type 2
  I10: ['38341003', '59621000'], // hypertensive disorder; essential hypertension
  J45: ['195967001'], // asthma
  C50: ['254837009'], // malignant neoplasm of breast
  F32: ['35489007'], // depressive disorder
};

/** OPCS-4 codes per procedure (dotted form); hospital files drop the dot. */
export const OPCS4: Record<Procedure, readonly string[]> = {
  cataract: ['C71.2', 'C75.1'], // phacoemulsification of lens; prosthetic lens
  hip: ['W37.1', 'W38.1'], // total hip replacement, cemented / uncemented
  knee: ['W40.1', 'W41.1'],
  colonoscopy: ['H22.1', 'H22.9'],
  appendicectomy: ['H01.1', 'H01.9'],
  mastectomy: ['B27.4'],
};

/** How a dataset kind records a condition: probability it appears at all, and how many events. */
export interface Recording {
  readonly system: CodeSystem;
  readonly dotted: boolean;
  readonly chance: Partial<Record<Condition, number>>;
  /** Events per recorded condition: 1 + int(extra + 1), dated in the person's disease span. */
  readonly extra: number;
  /** Whether OPCS-4 procedures are recorded too (hospital only). */
  readonly procedures: boolean;
}

export const RECORDING: Record<FormatName, Recording> = {
  // Diagnoses appear in HES only when the person was admitted and the condition was coded.
  hospital: {
    system: 'ICD-10',
    dotted: false,
    chance: { E11: 0.5, I10: 0.45, J45: 0.25, C50: 0.95, F32: 0.2 },
    extra: 2,
    procedures: true,
  },
  // Primary care codes nearly everything and reviews chronic disease repeatedly.
  gp: {
    system: 'SNOMED-CT',
    dotted: false,
    chance: { E11: 0.97, I10: 0.95, J45: 0.9, C50: 0.9, F32: 0.85 },
    extra: 3,
    procedures: false,
  },
  // A registry records only what it registers, once.
  registry: { system: 'ICD-10', dotted: true, chance: { C50: 0.98, E11: 0.6 }, extra: 0, procedures: false },
  trial: {
    system: 'ICD-10',
    dotted: true,
    chance: { E11: 0.3, I10: 0.3, J45: 0.3, C50: 0.3, F32: 0.3 },
    extra: 0,
    procedures: false,
  },
};

export const undotted = (code: string): string => code.replace('.', '');
