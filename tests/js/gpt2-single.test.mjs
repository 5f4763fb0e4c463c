import { flavourFor } from './flavours.mjs';
import { gpt2Suite } from './gpt2-suite.mjs';

gpt2Suite({ numThreads: 1, flavour: flavourFor(1) });
