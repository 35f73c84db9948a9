/**
 * `cohortlink serve` as a child process, as an operator runs it: the built CLI on a free port
 * (`--port 0`), its address read from the line it prints on stderr when listening. Every child
 * started here is remembered so `stopAllServes()` (afterAll) leaves no server behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { CLI } from '../helpers/paths.js';

export interface ServeProcess {
  readonly child: ChildProcess;
  readonly base: string;
  /** Everything the process wrote on stderr (for assertion messages). */
  readonly stderr: string[];
  /** Resolves with the exit code (null if killed by a signal) once the process has exited. */
  readonly exited: Promise<number | null>;
  /** SIGTERM (graceful: finish requests, close the database) and wait for the exit. */
  stop(): Promise<number | null>;
  /** SIGKILL: no shutdown code runs, as in a crash or an OOM kill. Waits for the exit. */
  kill(): Promise<number | null>;
}

const children = new Set<ChildProcess>();

export async function startServe(
  dbPath: string,
  opts: { args?: readonly string[]; env?: Record<string, string> } = {},
): Promise<ServeProcess> {
  const child = spawn(
    process.execPath,
    [
      CLI,
      'serve',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--db',
      dbPath,
      '--log-level',
      'warn',
      ...(opts.args ?? []),
    ],
    { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  children.add(child);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      children.delete(child);
      resolve(code);
    });
  });
  const stderr: string[] = [];
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${stderr.join('\n')}`)), 60_000);
    const lines = createInterface({ input: child.stderr! });
    lines.on('line', (line) => {
      stderr.push(line);
      const m = /listening on (http:\/\/\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${code}) before listening:\n${stderr.join('\n')}`));
    });
  });
  const signal = (sig: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    return exited;
  };
  return { child, base, stderr, exited, stop: () => signal('SIGTERM'), kill: () => signal('SIGKILL') };
}

/** Kills every serve process still running (afterAll). */
export async function stopAllServes(): Promise<void> {
  await Promise.all(
    [...children].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGKILL');
        }),
    ),
  );
}
