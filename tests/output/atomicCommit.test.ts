/**
 * `link`'s outputs replace the previous run's all at once or not at all (issue 14, item 8): a
 * failure, or a crash, at every single file-system step of the commit leaves the visible set
 * entirely old or entirely new — at once for a failure, after a reader of the keys folder has
 * settled the journal for a crash — and the next successful run leaves no staging debris. Also
 * the real-world case: a target path that is a non-empty folder, through `cohortlink link`.
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isCohortlinkError } from '../../src/errors.js';
import { keyFilePath, readKeyFile } from '../../src/matching/keys/keyFiles.js';
import { type LinkRunResult, runLink } from '../../src/matching/link/runLink.js';
import { JOURNAL_NAME } from '../../src/matching/output/commitJournal.js';
import { type FsOps, realFs } from '../../src/matching/output/fsOps.js';
import { type LinkOutputPaths, writeLinkOutputs } from '../../src/matching/output/writeLinkOutputs.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { encodeTaskSides, taskDir } from '../helpers/tasks.js';

const TASK = taskDir('febrl4');
let dataDir: string;
/** The previous run (no floor scores) and the run replacing it (with them): different files. */
let previous: LinkRunResult;
let next: LinkRunResult;

beforeAll(async () => {
  dataDir = tempDir('cohortlink-commit-');
  // 300 FEBRL4 originals and their duplicates: enough links to be a real run, fast to encode.
  const [headA, ...rowsA] = readFileSync(join(TASK, 'a.csv'), 'utf8').trim().split('\n');
  const [headB, ...rowsB] = readFileSync(join(TASK, 'b.csv'), 'utf8').trim().split('\n');
  const keep = rowsA.slice(0, 300);
  const ids = new Set(keep.map((r) => r.split('-')[1]));
  writeFileSync(join(dataDir, 'a.csv'), `${[headA, ...keep].join('\n')}\n`);
  writeFileSync(
    join(dataDir, 'b.csv'),
    `${[headB, ...rowsB.filter((r) => ids.has(r.split('-')[1]))].join('\n')}\n`,
  );
  await encodeTaskSides(TASK, dataDir, dataDir);
  const link = (threshold: number | 'auto') =>
    runLink({
      inputs: [
        { path: join(dataDir, 'a.ndjson'), name: 'a' },
        { path: join(dataDir, 'b.ndjson'), name: 'b' },
      ],
      options: { mode: 'one-to-one', threshold, workers: 0 },
    });
  previous = await link('auto');
  next = await link(0.95);
}, 120_000);

/** One output set's folders: links and summary in `out`, keys in `out/keys`. */
function layout(root: string): Required<LinkOutputPaths> & { all: string[] } {
  const out = join(root, 'out');
  const keysDir = join(out, 'keys');
  const paths = {
    links: join(out, 'links.csv'),
    keysDir,
    summary: join(out, 'links.summary.json'),
    scores: join(out, 'links-floor.csv'),
  };
  const all = [
    paths.links,
    keyFilePath(keysDir, 'a'),
    keyFilePath(keysDir, 'b'),
    paths.summary,
    paths.scores,
  ];
  return { ...paths, all };
}

type Snapshot = Record<string, string | null>;

/** What a reader sees at each output path (null: nothing; a folder is named as such). */
function visible(paths: string[]): Snapshot {
  const at = (p: string): string | null =>
    !existsSync(p) ? null : statSync(p).isDirectory() ? '(a folder)' : readFileSync(p, 'utf8');
  return Object.fromEntries(paths.map((p) => [p, at(p)] as const));
}

/** Commit debris (staging folders, journals) in the output folders. */
function debris(root: string): string[] {
  const l = layout(root);
  return [join(root, 'out'), l.keysDir].flatMap((d) =>
    existsSync(d) ? readdirSync(d).filter((n) => n.startsWith('.cohortlink')) : [],
  );
}

/** The previous run's files, and nothing else, in fresh folders. */
function resetToPrevious(root: string, old: Snapshot): void {
  rmSync(root, { recursive: true, force: true });
  mkdirSync(layout(root).keysDir, { recursive: true });
  for (const [p, text] of Object.entries(old)) if (text !== null) writeFileSync(p, text);
}

/**
 * Real file operations that fail at step `at`: only that step ('fail': an I/O error the code
 * sees and handles), or that step and every later one ('crash': the process is gone, nothing it
 * would still do reaches the disk). Counts steps; remembers open descriptors to close after.
 */
function faulty(at: number, mode: 'fail' | 'crash') {
  let step = 0;
  const log: string[] = [];
  const open = new Set<number>();
  const ops: Record<string, (...a: unknown[]) => unknown> = {};
  for (const name of Object.keys(realFs) as (keyof FsOps)[]) {
    const real = realFs[name] as (...a: unknown[]) => unknown;
    ops[name] = (...args: unknown[]) => {
      const k = step++;
      log.push(name);
      if (k === at || (mode === 'crash' && k > at))
        throw Object.assign(new Error(`injected ${mode} at step ${k} (${name})`), { code: 'EIO' });
      const r = real(...args);
      if (name === 'open') open.add(r as number);
      if (name === 'close') open.delete(args[0] as number);
      return r;
    };
  }
  return {
    fs: ops as unknown as FsOps,
    steps: () => step,
    log,
    closeLeaked: () => {
      for (const fd of open) closeSync(fd);
    },
  };
}

describe('link outputs: commit through a journal', () => {
  let root: string;
  let old: Snapshot;
  let fresh: Snapshot;
  let steps: number;
  let names: string[];

  beforeAll(() => {
    root = tempDir('cohortlink-commit-set-');
    const l = layout(root);
    rmSync(root, { recursive: true, force: true });
    mkdirSync(l.keysDir, { recursive: true });
    const { scores: _, ...withoutScores } = l;
    writeLinkOutputs(previous, withoutScores);
    old = visible(l.all);
    expect(old[l.scores]).toBeNull();
    expect(debris(root)).toEqual([]);
    // The replacing set, written once through a counting seam: the steps to fail one by one.
    const count = faulty(-1, 'fail');
    writeLinkOutputs(next, l, undefined, count.fs);
    fresh = visible(l.all);
    steps = count.steps();
    names = count.log;
    expect(steps).toBeGreaterThan(40);
    for (const p of l.all) expect(fresh[p], p).not.toBe(old[p]);
    expect(debris(root)).toEqual([]);
    // Staging, journal, moves and clean-up are all among the steps.
    expect(names).toEqual(
      expect.arrayContaining(['mkdir', 'fsync', 'rename', 'fsyncDir', 'unlink', 'removeTree']),
    );
  });

  const which = (v: Snapshot): 'old' | 'new' | 'mixed' =>
    JSON.stringify(v) === JSON.stringify(old)
      ? 'old'
      : JSON.stringify(v) === JSON.stringify(fresh)
        ? 'new'
        : 'mixed';

  /** A later, successful run over the same folders: the new set, and no debris left anywhere. */
  function laterRunCleansUp(): void {
    const l = layout(root);
    writeLinkOutputs(next, l);
    expect(which(visible(l.all))).toBe('new');
    expect(debris(root)).toEqual([]);
  }

  it('a failure at any step leaves the old set (or, past the journal’s removal, the new one), at once', () => {
    const l = layout(root);
    for (let k = 0; k < steps; k++) {
      resetToPrevious(root, old);
      const f = faulty(k, 'fail');
      let threw: unknown;
      try {
        writeLinkOutputs(next, l, undefined, f.fs);
      } catch (err) {
        threw = err;
      }
      f.closeLeaked();
      const seen = which(visible(l.all));
      const at = `step ${k} (${names[k]})`;
      // A failed commit reports it and leaves the old set; one that succeeded (the failure hit
      // best-effort clean-up after the journal was gone) leaves the new set.
      expect(seen, at).toBe(threw === undefined ? 'new' : 'old');
      if (threw !== undefined) {
        expect(isCohortlinkError(threw) && threw.code, at).toBe('CL_OUTPUT_UNWRITABLE');
        expect(existsSync(join(l.keysDir, JOURNAL_NAME)), at).toBe(false);
      }
      readKeyFile(keyFilePath(l.keysDir, 'a'));
      expect(which(visible(l.all)), at).toBe(seen);
      laterRunCleansUp();
    }
  });

  it('a crash at any step leaves a set that a reader of the keys folder settles to all old or all new', () => {
    const l = layout(root);
    const outcomes = new Set<string>();
    for (let k = 0; k < steps; k++) {
      resetToPrevious(root, old);
      const f = faulty(k, 'crash');
      try {
        writeLinkOutputs(next, l, undefined, f.fs);
      } catch {
        // the "process" died here
      }
      f.closeLeaked();
      const at = `step ${k} (${names[k]})`;
      // The restarted process reads the keys (key stability does, first thing).
      const keys = readKeyFile(keyFilePath(l.keysDir, 'b'));
      const seen = which(visible(l.all));
      expect(seen, at).not.toBe('mixed');
      expect(existsSync(join(l.keysDir, JOURNAL_NAME)), at).toBe(false);
      expect(keys.size, at).toBeGreaterThan(0);
      outcomes.add(seen);
      laterRunCleansUp();
    }
    // Crashes before the journal was durable undo; crashes after it finish.
    expect([...outcomes].sort()).toEqual(['new', 'old']);
  });

  it('undoes an interrupted commit that can no longer be finished (a folder now stands at a target)', () => {
    const l = layout(root);
    // Crash right after the journal was renamed into place: nothing moved yet.
    const journalStep = names.findIndex((n, k) => n === 'fsyncDir' && names[k - 1] === 'rename');
    expect(journalStep).toBeGreaterThan(0);
    resetToPrevious(root, old);
    const f = faulty(journalStep, 'crash');
    expect(() => writeLinkOutputs(next, l, undefined, f.fs)).toThrow();
    f.closeLeaked();
    expect(existsSync(join(l.keysDir, JOURNAL_NAME))).toBe(true);
    mkdirSync(l.scores);
    writeFileSync(join(l.scores, 'someone-elses.txt'), 'kept\n');
    readKeyFile(keyFilePath(l.keysDir, 'a'));
    const { [l.scores]: _, ...rest } = visible(l.all);
    const { [l.scores]: __, ...oldRest } = old;
    expect(rest).toEqual(oldRest);
    expect(readFileSync(join(l.scores, 'someone-elses.txt'), 'utf8')).toBe('kept\n');
    expect(existsSync(join(l.keysDir, JOURNAL_NAME))).toBe(false);
    rmSync(l.scores, { recursive: true });
    laterRunCleansUp();
  });

  it('refuses a target that is a non-empty folder before anything moves', () => {
    const l = layout(root);
    resetToPrevious(root, old);
    mkdirSync(l.scores);
    writeFileSync(join(l.scores, 'notes.txt'), 'mine\n');
    expect(() => writeLinkOutputs(next, l)).toThrow(/links-floor\.csv is a folder/);
    const { [l.scores]: _, ...rest } = visible(l.all);
    const { [l.scores]: __, ...oldRest } = old;
    expect(rest).toEqual(oldRest);
    expect(readFileSync(join(l.scores, 'notes.txt'), 'utf8')).toBe('mine\n');
    expect(debris(root)).toEqual([]);
    rmSync(l.scores, { recursive: true });
    laterRunCleansUp();
  });

  it('leaves alone, and refuses to race, a commit whose owner is still running', () => {
    const l = layout(root);
    resetToPrevious(root, old);
    // A journal owned by a live process (this test's parent), as if it were mid-commit.
    const journal = join(l.keysDir, JOURNAL_NAME);
    const owner = `${process.ppid}.1.0.abcd1234`;
    writeFileSync(
      journal,
      JSON.stringify({ format: 'cohortlink-commit/1', owner, entries: [], staging: [] }),
    );
    expect(() => readKeyFile(keyFilePath(l.keysDir, 'a'))).toThrow(/another cohortlink process/);
    expect(() => writeLinkOutputs(next, l)).toThrow(/another cohortlink process/);
    expect(which(visible(l.all))).toBe('old');
    expect(existsSync(journal)).toBe(true);
    rmSync(journal);
    laterRunCleansUp();
  });
});

describe('cohortlink link with a folder where an output goes', () => {
  it('fails with the old set intact, and the next run replaces it and leaves no debris', () => {
    const out = tempDir('cohortlink-commit-cli-');
    const args = (...extra: string[]) => [
      'link',
      '--left',
      join(dataDir, 'a.ndjson'),
      '--right',
      join(dataDir, 'b.ndjson'),
      '--output',
      join(out, 'links.csv'),
      '--workers',
      '0',
      ...extra,
    ];
    const files = () =>
      visible([
        join(out, 'links.csv'),
        join(out, 'links.summary.json'),
        join(out, 'a.keys.csv'),
        join(out, 'b.keys.csv'),
      ]);
    const first = runCli(args());
    expect(first.status, first.stderr).toBe(0);
    const before = files();
    const scores = join(out, 'floor.csv');
    mkdirSync(scores);
    writeFileSync(join(scores, 'notes.txt'), 'mine\n');

    const refused = runCli(args('--threshold', '0.95', '--scores', scores));
    expect(refused.status).toBe(4);
    expect(refused.stderr).toMatch(/CL_OUTPUT_UNWRITABLE: .*floor\.csv is a folder/);
    expect(files()).toEqual(before);
    expect(readdirSync(out).filter((n) => n.startsWith('.cohortlink'))).toEqual([]);

    rmSync(scores, { recursive: true });
    const again = runCli(args('--threshold', '0.95', '--scores', scores));
    expect(again.status, again.stderr).toBe(0);
    expect(files()[join(out, 'links.summary.json')]).not.toBe(before[join(out, 'links.summary.json')]);
    expect(existsSync(scores)).toBe(true);
    expect(readdirSync(out).filter((n) => n.startsWith('.cohortlink'))).toEqual([]);
  }, 60_000);
});
