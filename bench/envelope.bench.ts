import { createCipheriv, createHmac, createSign } from 'node:crypto';
import { sealPtsRequest } from '../src/pts/protocol/pts-envelope.js';
import {
  measureAll,
  printHeader,
  printRatio,
  printResult,
  type Benchmark,
} from './bench-harness.js';
import {
  benchCipher,
  benchKeys,
  merchantSigner,
  PAYMENT_REQUEST_FIELDS,
  PAYMENT_REQUEST_SPEC,
} from './bench-fixtures.js';

/** A2 steps 1-5 for a v2 payment request: sign, JSON, AES-256-ECB, base64, HMAC header. */
export const envelopeBenchmark: Benchmark = {
  name: 'envelope',
  summary:
    'sealPtsRequest (v2 paymentRequest) vs raw createSign + JSON.stringify + AES + base64 + HMAC',
  async run(timing) {
    printHeader(this);
    const k = benchKeys();
    const signer = merchantSigner();
    const cipher = benchCipher();
    const aesKey = Buffer.from(k.safecode, 'utf8');
    const hmacKey = Buffer.from(k.transactionSecret, 'utf8');
    // The raw path gets the sign string for free: building it is part of what we measure.
    const signString = signer.signString(PAYMENT_REQUEST_SPEC, PAYMENT_REQUEST_FIELDS);
    const options = {
      spec: PAYMENT_REQUEST_SPEC,
      signer,
      cipher,
      transactionSecret: k.transactionSecret,
    };
    const raw = () => {
      const sign = createSign('sha256').update(signString).sign(k.merchantPrivateKey, 'base64');
      const plaintext = JSON.stringify({ ...PAYMENT_REQUEST_FIELDS, sign });
      const aes = createCipheriv('aes-256-ecb', aesKey, null);
      const body = Buffer.concat([aes.update(plaintext, 'utf8'), aes.final()]).toString('base64');
      const hmac = createHmac('sha256', hmacKey).update(body, 'utf8').digest('base64');
      return { body, headers: { 'Content-Type': 'text/plain', 'X-Transaction-Signature': hmac } };
    };
    const ours = sealPtsRequest(PAYMENT_REQUEST_FIELDS, options);
    const expected = raw();
    // Same bytes on the wire, or the comparison is meaningless.
    if (ours.body !== expected.body) throw new Error('envelope: bodies differ');
    if (ours.headers['X-Transaction-Signature'] !== expected.headers['X-Transaction-Signature']) {
      throw new Error('envelope: HMAC headers differ');
    }

    const [baseline, result] = measureAll(
      [
        { label: 'raw sign + JSON.stringify + AES + base64 + HMAC', fn: raw },
        {
          label: 'sealPtsRequest(fields, options)',
          fn: () => sealPtsRequest(PAYMENT_REQUEST_FIELDS, options),
        },
      ],
      timing,
    );
    printResult('baseline', baseline);
    printResult('ours', result);
    printRatio(this.name, result, baseline, 'sealPtsRequest');
  },
};
