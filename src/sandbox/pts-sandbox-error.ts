// Old name of ./error.js, kept only while pts-sandbox-options.ts (edited elsewhere) imports it;
// delete once that file imports ./error.js.
export { PtsSandboxError } from './error.js';
