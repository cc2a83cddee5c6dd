/**
 * The load generator of the end-to-end benchmarks, in a process of its own: keep-alive POSTs
 * with a fixed number in flight (bench/e2e/load-child.ts), the answer checked against what the
 * job expects. Started by LoadDriver; never imports the service.
 */
import { Agent } from 'node:http';
import { post } from './http-post.js';
import { EXHAUSTED, serveLoadChild, type LoadRunner } from './load-child.js';
import type { HttpLoadJob } from './load-protocol.js';

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

function httpRunner(job: HttpLoadJob): LoadRunner {
  const url = new URL(job.url);
  let next = 0;
  return {
    used: () => next,
    request: () => {
      if (job.mode === 'once' && next >= job.bodies.length) return Promise.resolve(EXHAUSTED);
      const body = job.bodies[next++ % job.bodies.length];
      return post(agent, url, job.headers, body).then(({ status, text }) => {
        if (
          status !== job.expect.status ||
          (job.expect.body !== undefined && text !== job.expect.body)
        ) {
          return `expected ${job.expect.status} ${job.expect.body ?? ''}, got ${status} ${text.slice(0, 200)}`;
        }
        return undefined;
      });
    },
  };
}

serveLoadChild((job) => {
  if (job.kind !== 'http') throw new Error(`http-load-child runs http jobs, not ${job.kind}`);
  return httpRunner(job);
});
