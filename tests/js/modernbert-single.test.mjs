import { flavourFor } from './flavours.mjs';
import { modernbertSuite } from './modernbert-suite.mjs';

modernbertSuite({ numThreads: 1, flavour: flavourFor(1) });
