import { createSign } from 'node:crypto';
import {
  measureAll,
  printHeader,
  printRatio,
  printResult,
  type Benchmark,
} from './bench-harness.js';
import {
  benchKeys,
  merchantSigner,
  PAYMENT_REQUEST_FIELDS,
  PAYMENT_REQUEST_SPEC,
} from './bench-fixtures.js';

/** What our signer adds over one RSA signature: building the A3 sign string and base64. */
export const signBenchmark: Benchmark = {
  name: 'sign',
  summary: 'PtsSigner.sign(v2 paymentRequest) vs raw createSign over the same string',
  async run(timing) {
    printHeader(this);
    const signer = merchantSigner();
    const key = benchKeys().merchantPrivateKey;
    const signString = signer.signString(PAYMENT_REQUEST_SPEC, PAYMENT_REQUEST_FIELDS);
    const ours = signer.sign(PAYMENT_REQUEST_SPEC, PAYMENT_REQUEST_FIELDS);
    // PKCS#1 v1.5 is deterministic: both must give the same bytes, or the ratio means nothing.
    if (ours !== createSign('sha256').update(signString).sign(key, 'base64')) {
      throw new Error('sign: PtsSigner and raw createSign disagree');
    }

    const [baseline, result, part] = measureAll(
      [
        {
          label: 'raw createSign(sha256).update(s).sign(key)',
          fn: () => createSign('sha256').update(signString).sign(key),
        },
        {
          label: 'PtsSigner.sign(spec, fields)',
          fn: () => signer.sign(PAYMENT_REQUEST_SPEC, PAYMENT_REQUEST_FIELDS),
        },
        {
          label: 'of which: PtsSigner.signString(spec, fields)',
          fn: () => signer.signString(PAYMENT_REQUEST_SPEC, PAYMENT_REQUEST_FIELDS),
        },
      ],
      timing,
    );
    printResult('baseline', baseline);
    printResult('ours', result);
    printResult('part', part);
    printRatio(this.name, result, baseline, 'PtsSigner.sign');
  },
};
