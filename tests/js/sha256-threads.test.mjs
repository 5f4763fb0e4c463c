import { flavourFor } from './flavours.mjs';
import { sha256WasmSuite } from './sha256-suite.mjs';

sha256WasmSuite({ numThreads: 2, flavour: flavourFor(2) });
