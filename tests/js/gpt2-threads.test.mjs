import { gpt2Suite } from './gpt2-suite.mjs';

gpt2Suite({ numThreads: 2, flavour: 'qkv-simd-threads' });
