import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from './paths.js';

export interface CliResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

type CliOptions = { env?: Record<string, string>; cwd?: string };

function spawnOnce(args: readonly string[], opts: CliOptions): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, CI: '1', ...opts.env },
    cwd: opts.cwd,
    timeout: 120_000,
  });
}

/** Runs the built `cohortlink` program as a user would (npm test builds it first). */
export function runCli(args: readonly string[], opts: CliOptions = {}): CliResult {
  let r = spawnOnce(args, opts);
  // A busy CI machine can refuse to start a process (EAGAIN): that is not the program's failure.
  for (let i = 0; i < 2 && (r.error as NodeJS.ErrnoException | undefined)?.code === 'EAGAIN'; i++) {
    r = spawnOnce(args, opts);
  }
  // A signal (a crash) or a spawn error goes into stderr, so a failed status assertion says why.
  const why = r.signal ? `[killed by ${r.signal}]` : r.error ? `[spawn failed: ${r.error.message}]` : '';
  const stderr = r.stderr ?? '';
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: why ? `${stderr}\n${why}` : stderr };
}

export function tempDir(prefix = 'cohortlink-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Encodes a CSV with the built-in `uk` schema through the CLI, as a data holder would (one
 * thread, so tests running side by side do not oversubscribe the machine). Throws with the
 * program's stderr when it exits non-zero.
 */
export function encodeUk(input: string, output: string, secretFile: string, maxRejects = 1000): void {
  const r = runCli([
    'encode',
    '--schema',
    'uk',
    '--secret-file',
    secretFile,
    '--input',
    input,
    '--output',
    output,
    '--max-rejects',
    String(maxRejects),
    '--workers',
    '0',
  ]);
  if (r.status !== 0) throw new Error(`cohortlink encode ${input} exited ${r.status}: ${r.stderr}`);
}
