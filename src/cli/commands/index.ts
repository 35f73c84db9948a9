import type { Command } from 'commander';
import { registerEncode } from './encode.js';
import { registerSchema } from './schema.js';

/** Every subcommand registers here, in the order `--help` lists them. */
export function registerCommands(program: Command): void {
  registerEncode(program);
  registerSchema(program);
}
