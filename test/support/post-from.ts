import { request as httpRequest } from 'node:http';

/**
 * POSTs a JSON body from a chosen loopback address (127.0.0.0/8 is all ours), for tests of
 * the per-address allow list and rate limits. A sender the service refuses may be cut off
 * before it finished sending: that answers status 0, not an error.
 */
export function postFrom(
  url: string,
  localAddress: string,
  path: string,
  body: string | Buffer,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${url}${path}`,
      {
        method: 'POST',
        localAddress,
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) =>
      error.code === 'EPIPE' || error.code === 'ECONNRESET'
        ? resolve({ status: 0, text: '' })
        : reject(error),
    );
    req.end(body);
  });
}
