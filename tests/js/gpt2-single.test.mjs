import { gpt2Suite } from './gpt2-suite.mjs';

gpt2Suite({ numThreads: 1, flavour: 'qkv-simd' });
