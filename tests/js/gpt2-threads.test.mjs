import { flavourFor } from './flavours.mjs';
import { gpt2Suite } from './gpt2-suite.mjs';

gpt2Suite({ numThreads: 2, flavour: flavourFor(2) });
