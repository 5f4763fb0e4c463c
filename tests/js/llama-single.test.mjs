import { llamaSuite } from './llama-suite.mjs';

llamaSuite({ numThreads: 1, flavour: 'qkv-simd' });
