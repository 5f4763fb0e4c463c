// Runs inside the module factory. Under Node, 3.1.6 would fetch() the .wasm
// with Node's global fetch, which cannot read files; read it from disk instead.
// Pthread workers bring their own instantiateWasm and are left alone.
if (typeof process == 'object' && typeof process.versions == 'object' && typeof process.versions.node == 'string'
    && !Module['wasmBinary'] && !Module['instantiateWasm']) {
  Module['instantiateWasm'] = function(imports, receiveInstance) {
    var f = wasmBinaryFile;
    var bytes = require('fs').readFileSync(f.startsWith('file:') ? new URL(f) : f);
    WebAssembly.instantiate(bytes, imports).then(function(r) { receiveInstance(r.instance, r.module); },
                                                 function(e) { err('wasm instantiate failed: ' + e); abort(e); });
    return {};
  };
}
