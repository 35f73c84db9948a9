/**
 * One-to-one linkage of FEBRL4 (datasets/tasks/febrl4: a.csv × b.csv, the task's clkhash schema
 * and secret) through runLink with default options: the links at the floor must be greedy over
 * every candidate, whatever the top-k cut — the same as a run keeping 1024 candidates a record.
 * All pairs (5,000 × 5,000) are compared at floor 0.5, so a record has hundreds of candidates and
 * a few true partners rank below the 8 kept (rec-1289-org ~ rec-1289-dup-0 scores 0.707 while
 * its 8 best, 0.79–0.80, belong to other people).
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type LinkRunResult, runLink } from '../../src/matching/link/runLink.js';
import { tempDir } from '../helpers/cli.js';
import { encodeTaskSides, taskDir } from '../helpers/tasks.js';

const TASK = taskDir('febrl4');
let dir: string;

beforeAll(async () => {
  dir = tempDir('cohortlink-exact-');
  await encodeTaskSides(TASK, dir);
}, 60_000);

const link = (options: { topK?: number }) =>
  runLink({
    inputs: [
      { path: join(dir, 'a.ndjson'), name: 'a' },
      { path: join(dir, 'b.ndjson'), name: 'b' },
    ],
    options: { mode: 'one-to-one', ...options },
  });

function atFloor(r: LinkRunResult): string[] {
  const p = r.pairs[0]!;
  const { left, right, score } = p.linksAtFloor;
  return Array.from(
    left,
    (a, k) => `${r.datasets[0]!.refs[a]}~${r.datasets[1]!.refs[right[k]!]} ${score[k]}`,
  );
}

describe('one-to-one on FEBRL4 with the default top-k', () => {
  it('links at the floor as a run keeping 1024 candidates a record does', async () => {
    const small = await link({});
    const large = await link({ topK: 1024 });
    const requery = small.pairs[0]!.requery!;
    // The cut mattered (the rows re-scored are those whose partner ranks below 8), and cost little.
    expect(requery.rows).toBeGreaterThan(0);
    expect(requery.rows).toBeLessThan(50);
    expect(small.pairs[0]!.candidatesKept).toBeLessThan(large.pairs[0]!.candidatesKept / 50);
    expect(atFloor(small)).toEqual(atFloor(large));
    expect(atFloor(small).some((l) => l.startsWith('rec-1289-org~rec-1289-dup-0 '))).toBe(true);
  }, 60_000);
});
