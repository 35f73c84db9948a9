#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { isCohortlinkError } from '../errors.js';
import { COHORTLINK_VERSION } from '../version.js';
import { registerCommands } from './commands/index.js';

/**
 * The `cohortlink` program. Each subcommand lives in `commands/<name>.ts` and registers itself;
 * this file only owns the top-level error policy: typed errors print their code and exit with
 * their own exit code, anything else is an internal error (exit 70) without a stack trace
 * unless COHORTLINK_DEBUG is set.
 */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('cohortlink')
    .description('Privacy-preserving record linkage for clinical-trial recruitment')
    .version(COHORTLINK_VERSION)
    .showHelpAfterError()
    .configureOutput({ outputError: (str, write) => write(str) });
  registerCommands(program);
  return program;
}

export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (e) {
    if (isCohortlinkError(e)) {
      process.stderr.write(`cohortlink: ${e.describe()}\n`);
      return e.exitCode;
    }
    const ce = e as { code?: string; exitCode?: number };
    if (typeof ce.code === 'string' && ce.code.startsWith('commander.')) {
      // commander has already printed help or the usage problem
      return ce.exitCode ?? 2;
    }
    process.stderr.write(`cohortlink: CL_INTERNAL: ${(e as Error)?.message ?? String(e)}\n`);
    if (process.env.COHORTLINK_DEBUG) process.stderr.write(`${(e as Error)?.stack}\n`);
    return 70;
  }
}

function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
