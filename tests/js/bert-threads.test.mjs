import { bertSuite } from './bert-suite.mjs';

bertSuite({ numThreads: 2, flavour: 'qkv-simd-threads' });
