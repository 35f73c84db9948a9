/**
 * Checks of solver options, made once before anything is allocated from them. Problems are
 * collected and reported together (CL_USAGE, one issue per option).
 */
import { CohortlinkError, type Issue } from '../../errors.js';

/** Most records one side of a solve may have: cluster ids are Int32 and indices Uint32. */
export const MAX_SOLVE_RECORDS = 2 ** 28;

export class OptionChecker {
  private readonly issues: Issue[] = [];

  constructor(private readonly what: string) {}

  count(path: string, value: unknown): this {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_SOLVE_RECORDS)
      this.issues.push({ path, message: `must be an integer from 0 to ${MAX_SOLVE_RECORDS}` });
    return this;
  }

  unit(path: string, value: unknown, { zero = true } = {}): this {
    const ok = typeof value === 'number' && value <= 1 && (zero ? value >= 0 : value > 0);
    if (!ok) this.issues.push({ path, message: `must be a number in ${zero ? '[0' : '(0'}, 1]` });
    return this;
  }

  add(path: string, message: string): this {
    this.issues.push({ path, message });
    return this;
  }

  done(): void {
    if (this.issues.length > 0)
      throw new CohortlinkError('CL_USAGE', `invalid ${this.what} options`, this.issues);
  }
}

/** A candidate whose index is outside its dataset: the scoring stage and the solver disagree on sizes. */
export function badIndex(position: number, side: 'aIndex' | 'bIndex', index: number, count: number): never {
  throw new CohortlinkError(
    'CL_INTERNAL',
    `candidate ${position} has ${side} ${index}, outside a dataset of ${count} records`,
  );
}
