import { createVerify } from 'node:crypto';
import { parsePtsJsonObject } from '../src/pts/protocol/pts-json.js';
import {
  measureAll,
  printHeader,
  printRatio,
  printResult,
  type Benchmark,
} from './bench-harness.js';
import {
  benchKeys,
  callbackBody,
  callbackPhpSignString,
  callbackRawSignString,
  merchantSigner,
  PAYMENT_CALLBACK_SPEC,
} from './bench-fixtures.js';

/**
 * Verifying a received v2 payment callback (A4): our verify builds the sign string from the
 * parsed fields and checks the base64 first. A message signed over PHP's float rendering only
 * verifies on the second try, so that path builds two sign strings and verifies twice: its
 * floor is two raw verifications.
 */
export const verifyBenchmark: Benchmark = {
  name: 'verify',
  summary: 'PtsSigner.verify(v2 paymentCallback) vs raw createVerify; and the php-float fallback',
  async run(timing) {
    printHeader(this);
    const signer = merchantSigner();
    const key = benchKeys().gatewayPublicKey;
    const rawString = callbackRawSignString();
    const phpString = callbackPhpSignString();
    const rawMessage = parsePtsJsonObject(callbackBody(rawString));
    const phpMessage = parsePtsJsonObject(callbackBody(phpString));
    const rawSignature = Buffer.from(rawMessage.sign as string, 'base64');
    const phpSignature = Buffer.from(phpMessage.sign as string, 'base64');
    // The fixtures must take the paths they claim to take.
    if (signer.verify(PAYMENT_CALLBACK_SPEC, rawMessage).rendering !== 'raw') {
      throw new Error('verify: the raw fixture does not verify as raw');
    }
    if (signer.verify(PAYMENT_CALLBACK_SPEC, phpMessage).rendering !== 'php-float') {
      throw new Error('verify: the php fixture does not verify as php-float');
    }
    if (createVerify('sha256').update(rawString).verify(key, phpSignature)) {
      throw new Error('verify: the php fixture verifies as raw');
    }

    const [baseline, ours, twoRaw, fallback, rawPart, phpPart] = measureAll(
      [
        {
          label: 'raw createVerify(sha256).update(s).verify(key, sig)',
          fn: () => createVerify('sha256').update(rawString).verify(key, rawSignature),
        },
        {
          label: 'PtsSigner.verify(spec, parsed): raw',
          fn: () => signer.verify(PAYMENT_CALLBACK_SPEC, rawMessage),
        },
        {
          label: 'raw 2 x createVerify (raw string fails, php passes)',
          fn: () =>
            createVerify('sha256').update(rawString).verify(key, phpSignature) ||
            createVerify('sha256').update(phpString).verify(key, phpSignature),
        },
        {
          label: 'PtsSigner.verify(spec, parsed): php-float fallback',
          fn: () => signer.verify(PAYMENT_CALLBACK_SPEC, phpMessage),
        },
        {
          label: 'of which: PtsSigner.signString(spec, parsed, raw)',
          fn: () => signer.signString(PAYMENT_CALLBACK_SPEC, rawMessage, 'raw'),
        },
        {
          label: 'of which: PtsSigner.signString(spec, parsed, php-float)',
          fn: () => signer.signString(PAYMENT_CALLBACK_SPEC, phpMessage, 'php-float'),
        },
      ],
      timing,
    );
    printResult('baseline', baseline);
    printResult('ours', ours);
    printResult('part', rawPart);
    printRatio(this.name, ours, baseline, 'PtsSigner.verify, raw rendering');
    console.log('  php-float fallback:');
    printResult('baseline', twoRaw);
    printResult('ours', fallback);
    printResult('part', phpPart);
    printRatio(this.name, fallback, twoRaw, 'php-float fallback vs two raw verifies');
    printRatio(this.name, fallback, baseline, 'php-float fallback vs one raw verify');
  },
};
