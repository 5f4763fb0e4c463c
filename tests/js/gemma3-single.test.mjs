import { gemma3Suite } from './gemma3-suite.mjs';

gemma3Suite({ numThreads: 1, flavour: 'qkv-simd' });
