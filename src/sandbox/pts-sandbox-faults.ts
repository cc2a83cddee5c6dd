// Old name of ./faults.js, kept only while pts-sandbox-options.ts (edited elsewhere) imports it;
// delete once that file imports ./faults.js.
export type { PtsSandboxFault } from './faults.js';
