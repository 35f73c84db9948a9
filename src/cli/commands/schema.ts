import type { Command } from 'commander';
import { cohortlinkJsonSchema } from '../../encoding/schema/jsonSchema.js';
import { compileSchema, readSchemaJson } from '../../encoding/schema/load.js';
import { PRESETS } from '../../encoding/schema/presets.js';

/** Fixed throwaway key for `schema check`: compiling needs a key, checking must not need the secret. */
const CHECK_KEY = new TextEncoder().encode('cohortlink schema check');

export function registerSchema(program: Command): void {
  const schema = program.command('schema').description('Show, check and publish linkage schemas');
  schema
    .command('show')
    .description(`print a built-in schema as JSON (${Object.keys(PRESETS).join(', ')})`)
    .argument('<name>', 'built-in schema name')
    .action((name: string) => {
      process.stdout.write(`${JSON.stringify(readSchemaJson(name), null, 2)}\n`);
    });
  schema
    .command('check')
    .description(
      'validate a schema file (cohortlink or clkhash v3); every problem is listed with its JSON path',
    )
    .argument('<file>', 'schema file or built-in name')
    .action((file: string) => {
      const plan = compileSchema(readSchemaJson(file), CHECK_KEY);
      for (const w of plan.warnings) process.stderr.write(`warning: ${w}\n`);
      process.stdout.write(
        `ok: ${plan.source} schema, ${plan.filterBits}-bit filters, ${plan.fields.length} encoded fields, ` +
          `${plan.blocking.length} block keys, schema fingerprint ${plan.schemaFingerprint}\n`,
      );
    });
  schema
    .command('json-schema')
    .description('print the JSON Schema of the cohortlink schema format (for editors)')
    .action(() => {
      process.stdout.write(`${JSON.stringify(cohortlinkJsonSchema(), null, 2)}\n`);
    });
}
