// Preloaded (node --require) into Node 24 for the wasm test binaries:
// Emscripten 3.1.6's glue fetch()es its .wasm whenever a global fetch exists,
// and Node's cannot read file paths. Node 20 has --no-experimental-fetch for
// this; Node 24 dropped the flag.
delete globalThis.fetch;
