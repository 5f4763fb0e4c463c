import { flavourFor } from './flavours.mjs';
import { llamaSuite } from './llama-suite.mjs';

llamaSuite({ numThreads: 2, flavour: flavourFor(2) });
