import { CohortlinkError } from '../../errors.js';

/** A commander option parser for an integer in [min, max] whose error names the option. */
export function intOption(name: string, min: number, max: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new CohortlinkError(
        'CL_USAGE',
        `${name} must be a whole number from ${min} to ${max}, got '${v}'`,
      );
    }
    return n;
  };
}
