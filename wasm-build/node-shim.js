// Emitted at the top of the ES module, outside the factory. Under Node it
// provides the CommonJS globals the Emscripten 3.1.6 runtime expects; in
// browsers and workers it does nothing. (docs/TOOLCHAIN.md §1)
let require, __dirname, __filename;
if (typeof process == 'object' && typeof process.versions == 'object' && typeof process.versions.node == 'string') {
  const { createRequire } = await import('node:module');
  const { fileURLToPath } = await import('node:url');
  require = createRequire(import.meta.url);
  __filename = fileURLToPath(import.meta.url);
  __dirname = require('node:path').dirname(__filename);
}
