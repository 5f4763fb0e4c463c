// Writes a wasm file into an ES module as base64 (node embed-wasm.mjs IN.wasm
// OUT.mjs): the module is imported like any other, so bundlers include the
// wasm with no configuration and nothing is fetched at run time.
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';

const [input, output] = process.argv.slice(2);
if (input === undefined || output === undefined) {
  console.error('usage: node embed-wasm.mjs IN.wasm OUT.mjs');
  process.exit(2);
}
const bytes = readFileSync(input);
if (!WebAssembly.validate(bytes)) {
  console.error(`embed-wasm: ${input} is not a valid wasm module`);
  process.exit(1);
}
writeFileSync(output, [
  `// Generated from ${basename(input)} by wasm-build/embed-wasm.mjs; do not edit.`,
  `/** The wasm module's ${bytes.length} bytes, base64. */`,
  `export const wasmBase64 = '${bytes.toString('base64')}';`,
  '',
].join('\n'));
