import { runtimeSuite } from './runtime-suite.mjs';

runtimeSuite({ numThreads: 1, flavour: 'qkv-simd' });
