import { flavourFor } from './flavours.mjs';
import { gemma3Suite } from './gemma3-suite.mjs';

gemma3Suite({ numThreads: 1, flavour: flavourFor(1) });
