import { bertSuite } from './bert-suite.mjs';

bertSuite({ numThreads: 1, flavour: 'qkv-simd' });
