// Lints an OpenAPI document with Redocly's linter (@redocly/openapi-core,
// the engine of `redocly lint`) and its recommended rules.
//
//     node tests/openapi/lint.mjs schema/openapi.json
//
// Prints every problem (rule, severity, where, what) and a count of each
// severity; exits 1 when there is an error, 0 otherwise (warnings are
// listed, not fatal).  tools/install-deps --test installs the package
// (npm ci --prefix tests/openapi).

import path from 'node:path';
import {fileURLToPath} from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
let core;
try {
  core = await import('@redocly/openapi-core');
} catch {
  console.error(`the linter is not installed: run \`npm ci --prefix ${path.relative(process.cwd(), here) || '.'}\``);
  process.exit(2);
}
const {createConfig, lint} = core;

const file = process.argv[2];
if (!file || process.argv.length > 3) {
  console.error('usage: node lint.mjs OPENAPI.json');
  process.exit(2);
}

const config = await createConfig({extends: ['recommended']});
const problems = (await lint({ref: path.resolve(file), config})).filter((p) => !p.ignored);

const counts = {error: 0, warn: 0};
for (const p of problems) {
  counts[p.severity] = (counts[p.severity] || 0) + 1;
  const where = (p.location || []).map((l) => l.pointer).filter(Boolean).join(', ');
  console.log(`${p.severity.padEnd(5)} ${p.ruleId}: ${p.message}${where ? `\n      at ${where}` : ''}`);
}
console.log(`${path.relative(process.cwd(), path.resolve(file))}: ${counts.error} errors, ${counts.warn} warnings (Redocly recommended rules)`);
process.exit(counts.error > 0 ? 1 : 0);
