import type { Command } from 'commander';
import { registerAdmin } from './admin.js';
import { registerAudit } from './audit.js';
import { registerDemo } from './demo.js';
import { registerEncode } from './encode.js';
import { registerEvaluate } from './evaluate.js';
import { registerGenerate } from './generate.js';
import { registerLink } from './link.js';
import { registerReport } from './report.js';
import { registerSchema } from './schema.js';
import { registerServe } from './serve.js';

/** Every subcommand registers here, in the order `--help` lists them. */
export function registerCommands(program: Command): void {
  registerGenerate(program);
  registerEncode(program);
  registerLink(program);
  registerEvaluate(program);
  registerReport(program);
  registerSchema(program);
  registerDemo(program);
  registerServe(program);
  registerAdmin(program);
  registerAudit(program);
}
