import { flavourFor } from './flavours.mjs';
import { runtimeSuite } from './runtime-suite.mjs';

runtimeSuite({ numThreads: 1, flavour: flavourFor(1) });
