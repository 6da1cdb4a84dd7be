// npm run schema: writes the policy file's JSON Schema to schema/policy.schema.json and the same
// fields into the chart's values.schema.json (`properties.policy`), both generated from the zod
// schema (src/policy/json-schema.ts). test/policy-schema.test.ts fails when either is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format } from 'prettier';
import { buildChartPolicySchema, buildPolicyJsonSchema } from '../dist/policy/json-schema.js';

const root = fileURLToPath(new URL('..', import.meta.url));

async function writeJson(file, value) {
  const path = join(root, file);
  // Non-ASCII as \u escapes, as the chart's hand-written part has them (`\u00b5s` in durations).
  const text = JSON.stringify(value, null, 2).replace(
    /[\u0080-\uffff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  writeFileSync(path, await format(text, { filepath: path }));
  console.log(`wrote ${file}`);
}

const policy = buildPolicyJsonSchema();
await writeJson('schema/policy.schema.json', policy);

const chartFile = 'charts/jobguard/values.schema.json';
const values = JSON.parse(readFileSync(join(root, chartFile), 'utf8'));
values.properties.policy = buildChartPolicySchema(policy);
await writeJson(chartFile, values);
