import { parsePtsJsonObject } from '../src/pts/protocol/pts-json.js';
import {
  measureAll,
  printHeader,
  printRatio,
  printResult,
  type Benchmark,
} from './bench-harness.js';
import { callbackBody, callbackRawSignString } from './bench-fixtures.js';

/** Exact-number parsing (A4, A7) of a typical v2 payment callback body. */
export const jsonBenchmark: Benchmark = {
  name: 'json',
  summary: 'parsePtsJsonObject (lossless-json) vs JSON.parse on a v2 payment callback body',
  async run(timing) {
    printHeader(this);
    const body = callbackBody(callbackRawSignString());
    const keys = Object.keys(JSON.parse(body) as object).length;
    console.log(
      `  body      ${Buffer.byteLength(body)} bytes, ${keys} keys, 6 of them JSON numbers`,
    );

    const [baseline, result] = measureAll(
      [
        { label: 'JSON.parse(body)', fn: () => JSON.parse(body) as unknown },
        { label: 'parsePtsJsonObject(body)', fn: () => parsePtsJsonObject(body) },
      ],
      timing,
    );
    printResult('baseline', baseline);
    printResult('ours', result);
    printRatio(this.name, result, baseline, 'parsePtsJsonObject');
  },
};
