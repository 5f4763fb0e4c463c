import { flavourFor } from './flavours.mjs';
import { llamaSuite } from './llama-suite.mjs';

llamaSuite({ numThreads: 1, flavour: flavourFor(1) });
