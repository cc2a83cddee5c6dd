/**
 * What the bench's parent process and its load children say to each other over IPC. A child
 * drives one side at a time: the parent defines jobs once, then asks for slices of load.
 */

/** A POST repeated with keep-alive; each body is used once (`once`) or round-robin (`cycle`). */
export interface HttpLoadJob {
  kind: 'http';
  name: string;
  url: string;
  headers: Record<string, string>;
  bodies: string[];
  mode: 'once' | 'cycle';
  expect: { status: number; body?: string };
}

/** The bare create client (bench/creates): seals a fresh payment request and posts it. */
export interface SealedCreateJob {
  kind: 'sealed-create';
  name: string;
  sandboxUrl: string;
  userId: string;
  guid: string;
  safecode: string;
  transactionSecret: string;
  merchantPrivateKeyPem: string;
  gatewayPublicKeyPem: string;
  callbackUrl: string;
}

export type LoadJob = HttpLoadJob | SealedCreateJob;

export type ParentMessage =
  | { type: 'define'; job: LoadJob }
  | { type: 'slice'; id: number; job: string; durationMs: number; concurrency: number }
  | { type: 'quit' };

export interface SliceResult {
  type: 'result';
  id: number;
  /** Milliseconds per answered request, in completion order. */
  latencies: number[];
  /** From the first request sent to the last answer received. */
  wallMs: number;
  ok: number;
  failed: number;
  /** The first few failures, for the report. */
  failures: string[];
  /** `once` jobs: all bodies used, the slice ended early. */
  exhausted: boolean;
  /** `once` jobs: how many bodies have been used so far (across slices). */
  used: number;
}

export type ChildMessage = SliceResult | { type: 'ready' } | { type: 'error'; message: string };
