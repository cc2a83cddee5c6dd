/**
 * The baseline of bench/creates, in a process of its own: what creating a payment at PTS
 * costs without the service. For each request it builds the v2 paymentRequest fields, seals
 * them with the protocol helpers (sign, AES-ECB envelope, `X-Transaction-Signature`:
 * docs/protocol.md A2, A3), POSTs them to the sandbox with keep-alive, and reads the answer as
 * the client does (envelope, code 1000, signature of `data` verified: A4, A5). It stores
 * nothing. Driven like the load generator (bench/e2e/load-child.ts).
 */
import { Agent } from 'node:http';
import {
  parsePtsResponse,
  PtsCipher,
  ptsEndpointPath,
  ptsEndpointSpec,
  ptsMessageSpec,
  PtsSigner,
  isPtsJsonObject,
  sealPtsRequest,
} from '../../src/pts/protocol/index.js';
import { serveLoadChild, type LoadRunner } from '../e2e/load-child.js';
import { post } from '../e2e/http-post.js';
import type { SealedCreateJob } from '../e2e/load-protocol.js';

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

function createRunner(job: SealedCreateJob): LoadRunner {
  const signer = new PtsSigner({
    privateKey: job.merchantPrivateKeyPem,
    publicKey: job.gatewayPublicKeyPem,
    safecode: job.safecode,
  });
  const cipher = new PtsCipher({ safecode: job.safecode });
  const endpoint = ptsEndpointSpec('v2', 'payment');
  const requestSpec = ptsMessageSpec('v2', endpoint.request);
  const responseSpec = ptsMessageSpec('v2', endpoint.response);
  const url = new URL(
    `${job.sandboxUrl.replace(/\/+$/, '')}${ptsEndpointPath(endpoint, job.guid)}`,
  );
  let n = 0;
  return {
    used: () => n,
    request: async () => {
      const fields = {
        user_id: job.userId,
        order_id: `BARE-${process.pid}-${++n}`,
        amount: '100.50',
        currency: 'PHP',
        channel: 'QRPH',
        timestamp: Math.floor(Date.now() / 1000),
        callback_url: job.callbackUrl,
      };
      const sealed = sealPtsRequest(fields, {
        spec: requestSpec,
        signer,
        cipher,
        transactionSecret: job.transactionSecret,
      });
      const answer = await post(agent, url, sealed.headers, sealed.body);
      const envelope = parsePtsResponse(answer.text, cipher, { status: answer.status });
      if (
        envelope.kind !== 'envelope' ||
        envelope.code !== '1000' ||
        !isPtsJsonObject(envelope.data)
      ) {
        return `expected code 1000 with data, got HTTP ${answer.status} ${answer.text.slice(0, 200)}`;
      }
      signer.verify(responseSpec, envelope.data);
      return undefined;
    },
  };
}

serveLoadChild((job) => {
  if (job.kind !== 'sealed-create')
    throw new Error(`bare-create-client runs sealed-create jobs, not ${job.kind}`);
  return createRunner(job);
});
