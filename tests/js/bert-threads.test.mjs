import { flavourFor } from './flavours.mjs';
import { bertSuite } from './bert-suite.mjs';

bertSuite({ numThreads: 2, flavour: flavourFor(2) });
