import { sha256WasmSuite } from './sha256-suite.mjs';

sha256WasmSuite({ numThreads: 2, flavour: 'qkv-simd-threads' });
