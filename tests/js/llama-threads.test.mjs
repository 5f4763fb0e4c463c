import { llamaSuite } from './llama-suite.mjs';

llamaSuite({ numThreads: 2, flavour: 'qkv-simd-threads' });
