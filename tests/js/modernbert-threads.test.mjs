import { flavourFor } from './flavours.mjs';
import { modernbertSuite } from './modernbert-suite.mjs';

modernbertSuite({ numThreads: 2, flavour: flavourFor(2) });
