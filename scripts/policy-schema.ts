/*
 * Writes build/policy.schema.json, the JSON Schema of the machine policy file for IT, from the zod
 * schema the app validates with (electron/main/policy.ts). A test checks the file is current.
 *   tsx scripts/policy-schema.ts
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { policyJsonSchema } from '../electron/main/policy';

export const POLICY_SCHEMA_FILE = path.resolve(import.meta.dirname, '..', 'build', 'policy.schema.json');

export function policySchemaText(): string {
  return `${JSON.stringify(policyJsonSchema(), null, 2)}\n`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  writeFileSync(POLICY_SCHEMA_FILE, policySchemaText());
  console.log(`wrote ${path.relative(process.cwd(), POLICY_SCHEMA_FILE)}`);
}
