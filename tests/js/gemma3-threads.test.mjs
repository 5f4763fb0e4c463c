import { flavourFor } from './flavours.mjs';
import { gemma3Suite } from './gemma3-suite.mjs';

gemma3Suite({ numThreads: 2, flavour: flavourFor(2) });
