import { flavourFor } from './flavours.mjs';
import { bertSuite } from './bert-suite.mjs';

bertSuite({ numThreads: 1, flavour: flavourFor(1) });
