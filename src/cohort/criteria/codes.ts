import type { CodeSystem } from './schema.js';

/** A code pattern after normalisation: an exact code, or a prefix (written with a trailing `*`). */
export interface CodePattern {
  readonly text: string;
  readonly prefix: boolean;
}

/**
 * Normalises a code the way the attribute columns store them: upper case, and for ICD-10 no
 * dots (`e11.9` and `E119` are the same code), so criteria written either way match.
 */
export function normaliseCode(system: CodeSystem, code: string): string {
  const upper = code.toUpperCase();
  return system === 'ICD-10' ? upper.replaceAll('.', '') : upper;
}

export function parseCodePattern(system: CodeSystem, pattern: string): CodePattern {
  const prefix = pattern.endsWith('*');
  return { text: normaliseCode(system, prefix ? pattern.slice(0, -1) : pattern), prefix };
}
