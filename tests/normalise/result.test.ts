import { describe, expect, it } from 'vitest';
import {
  describeReason,
  INVALID_REASONS,
  invalid,
  isMissingMarker,
  MISSING,
  present,
} from '../../src/encoding/normalise/index.js';

describe('result helpers', () => {
  it('every reason has a short description that names no value', () => {
    for (const reason of INVALID_REASONS) {
      const text = describeReason(reason);
      expect(text.length, reason).toBeGreaterThan(5);
      expect(text.length, reason).toBeLessThan(100);
      expect(text).not.toMatch(/[{}$]/);
    }
  });

  it('reason codes are unique snake_case', () => {
    expect(new Set(INVALID_REASONS).size).toBe(INVALID_REASONS.length);
    for (const reason of INVALID_REASONS) expect(reason).toMatch(/^[a-z]+(?:_[a-z0-9]+)+$/);
  });

  it('builds the three kinds', () => {
    expect(present(3)).toEqual({ kind: 'present', value: 3 });
    expect(MISSING).toEqual({ kind: 'missing' });
    expect(invalid('nhs_length')).toEqual({ kind: 'invalid', reason: 'nhs_length' });
    expect(Object.isFrozen(MISSING)).toBe(true);
  });

  const markers: ReadonlyArray<[string, string, boolean]> = [
    ['empty', '', true],
    ['whitespace', ' \t\n ', true],
    ['NA any case', 'na', true],
    ['N/A padded', '  n/a ', true],
    ['NULL', 'Null', true],
    ['NONE', 'none', true],
    ['UNKNOWN', 'Unknown', true],
    ['dash', ' - ', true],
    ['question mark', '?', true],
    ['NOT KNOWN with extra space', 'not   known', true],
    ['a real value', 'Smith', false],
    ['a long value', 'x'.repeat(100), false],
    ['two dashes', '--', false],
  ];
  it.each(markers)('isMissingMarker: %s', (_d, input, expected) => {
    expect(isMissingMarker(input)).toBe(expected);
  });
});
