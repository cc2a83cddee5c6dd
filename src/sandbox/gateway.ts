import type { IncomingMessage, ServerResponse } from 'node:http';
import { PTS_ENVELOPE_CODES, ptsCodeMeaning } from '../pts/protocol/pts-codes.js';
import { ptsResponseBody } from '../pts/protocol/pts-envelope.js';
import {
  PTS_ENDPOINTS,
  type PtsApiVersion,
  type PtsEndpointName,
} from '../pts/protocol/pts-fields.js';
import { PtsSandboxRefusal } from './error.js';
import {
  PtsSandboxEndpoints,
  type PtsSandboxAnswer,
  type PtsSandboxEndpointsDeps,
  type PtsSandboxServed,
} from './endpoints.js';
import { send } from './http.js';
import { PtsSandboxIntake } from './intake.js';
import type { PtsSandboxAccount } from './options.js';
import type { PtsSandboxTimers } from './timers.js';

/** One merchant -> gateway request and how the sandbox answered it. */
export interface PtsSandboxRequestRecord {
  at: string;
  method: string;
  path: string;
  /** `payment`, `paymentQuery`, `withdraw`, `withdrawQuery`, `balance`, `supportChannel`,
   *  `randomCode`, `token`; `unknown` for a path that is no PTS endpoint. */
  endpoint: string;
  version?: PtsApiVersion;
  userId?: string;
  orderId?: string;
  /** The envelope code answered, or `dropped` / `delayed` / `http-status` / `page` (a
   *  `payment-answer` page, script or redirect) when a fault acted. */
  code: string;
  /** For `dropped`, `delayed`, `page` and a `served` `http-status`: the envelope code the
   *  request produced. */
  envelopeCode?: string;
  /** HTTP status sent (absent when the connection was dropped). */
  httpStatus?: number;
  /** Why a request was refused (never contains a secret). */
  detail?: string;
  /** Fault kinds that acted on this request or its answer. */
  faults?: string[];
}

export interface PtsSandboxRoute {
  version: PtsApiVersion;
  endpoint: PtsEndpointName;
  guid?: string;
}

export interface PtsSandboxGatewayDeps extends PtsSandboxEndpointsDeps {
  timers: PtsSandboxTimers;
  record: (record: PtsSandboxRequestRecord) => void;
}

/**
 * The gateway's side of docs/protocol.md over HTTP: routes `/merchant/...` paths to PTS
 * endpoints, has each request read by the intake and served by the endpoints, and sends the
 * answer (HTTP 200 with `{code, message, data}`), or what a transport fault makes of it. Every
 * request is recorded; the code of each refusal is listed in src/sandbox/README.md.
 */
export class PtsSandboxGateway {
  private readonly intake: PtsSandboxIntake;
  private readonly endpoints: PtsSandboxEndpoints;
  private readonly routes: { pattern: RegExp; version: PtsApiVersion; endpoint: PtsEndpointName }[];

  constructor(private readonly deps: PtsSandboxGatewayDeps) {
    this.intake = new PtsSandboxIntake(deps.settings, deps.store);
    this.endpoints = new PtsSandboxEndpoints(deps);
    this.routes = (['v2', 'v1'] as const).flatMap((version) =>
      Object.values(PTS_ENDPOINTS[version]).map((spec) => ({
        version,
        endpoint: spec.endpoint,
        pattern: new RegExp(
          `^${spec.pathTemplate.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace('{guid}', '([^/]+)')}$`,
        ),
      })),
    );
  }

  account(userId: string): PtsSandboxAccount | undefined {
    return this.intake.account(userId);
  }

  /** The PTS endpoint a path names, if any. */
  route(path: string): PtsSandboxRoute | undefined {
    for (const r of this.routes) {
      const match = r.pattern.exec(path);
      if (match) {
        return {
          version: r.version,
          endpoint: r.endpoint,
          guid: match[1] === undefined ? undefined : safeDecode(match[1]),
        };
      }
    }
    return undefined;
  }

  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    route: PtsSandboxRoute,
    path: string,
  ): Promise<void> {
    const record: PtsSandboxRequestRecord = {
      at: new Date().toISOString(),
      method: req.method ?? '',
      path,
      endpoint: route.endpoint,
      version: route.version,
      code: '',
    };
    let outcome: PtsSandboxServed;
    try {
      outcome = await this.process(req, route, record);
    } catch (error) {
      if (!(error instanceof PtsSandboxRefusal)) throw error;
      record.detail = error.message;
      outcome = { answer: refusalAnswer(error), faults: [] };
    }
    await this.respond(req, res, outcome, record);
  }

  /** Answers a path under /merchant that is no PTS endpoint. */
  notFound(req: IncomingMessage, res: ServerResponse, path: string): void {
    const detail = `no PTS endpoint at ${req.method ?? ''} ${maskPath(path)}`;
    this.deps.record({
      at: new Date().toISOString(),
      method: req.method ?? '',
      path,
      endpoint: 'unknown',
      code: '1011',
      httpStatus: 404,
      detail,
    });
    send(
      res,
      404,
      'application/json',
      ptsResponseBody('1011', `${ptsCodeMeaning('1011')}: ${detail}`),
    );
  }

  private async respond(
    req: IncomingMessage,
    res: ServerResponse,
    outcome: PtsSandboxServed,
    record: PtsSandboxRequestRecord,
  ): Promise<void> {
    const { timers } = this.deps;
    if (outcome.faults.length > 0) record.faults = outcome.faults;
    const transport = outcome.transport;
    if (transport?.kind === 'http-status') {
      record.code = 'http-status';
      record.httpStatus = transport.status;
      // `served`: the request took effect; a proxy in front answered instead of the gateway.
      if (outcome.answer) record.envelopeCode = outcome.answer.code;
      this.finish(record);
      send(
        res,
        transport.status,
        transport.contentType ?? 'text/html; charset=utf-8',
        transport.body ??
          `<html><head><title>${transport.status}</title></head><body><h1>${transport.status}</h1><hr>nginx (sandbox fault)</body></html>`,
      );
      this.after(res, outcome);
      return;
    }
    const answer = outcome.answer!;
    const page = outcome.page ?? {
      status: 200,
      contentType: 'application/json',
      body: ptsResponseBody(answer.code, answer.message, answer.data),
    };
    if (transport?.kind === 'drop') {
      record.code = 'dropped';
      record.envelopeCode = answer.code;
      this.finish(record);
      req.socket.destroy();
      outcome.after?.();
      return;
    }
    if (transport?.kind === 'delay') {
      record.code = 'delayed';
      record.envelopeCode = answer.code;
      record.httpStatus = 200;
      this.finish(record);
      const waited = await timers.sleep(transport.ms);
      if (!waited || req.socket.destroyed) {
        req.socket.destroy();
        outcome.after?.();
        return;
      }
    } else {
      record.code = outcome.page ? 'page' : answer.code;
      if (outcome.page) record.envelopeCode = answer.code;
      record.httpStatus = page.status;
      this.finish(record);
    }
    // docs/protocol.md B8.14: HTTP statuses are undocumented; every envelope travels as 200.
    send(res, page.status, page.contentType, page.body, page.headers);
    this.after(res, outcome);
  }

  private after(res: ServerResponse, outcome: PtsSandboxServed): void {
    if (outcome.after) {
      if (res.writableFinished) outcome.after();
      else res.once('close', outcome.after);
    }
  }

  private finish(record: PtsSandboxRequestRecord): void {
    this.deps.record(record);
    this.deps.settings.log(
      `${record.method} ${maskPath(record.path)} ${record.version ?? ''} ${record.endpoint}` +
        `${record.userId ? ` user=${record.userId}` : ''}${record.orderId ? ` order=${record.orderId}` : ''}` +
        ` -> ${record.code}${record.envelopeCode ? `(${record.envelopeCode})` : ''}` +
        `${record.detail ? `: ${record.detail}` : ''}${record.faults ? ` [fault ${record.faults.join(',')}]` : ''}`,
    );
  }

  private async process(
    req: IncomingMessage,
    route: PtsSandboxRoute,
    record: PtsSandboxRequestRecord,
  ): Promise<PtsSandboxServed> {
    const { account, message, sealed } = await this.intake.read(req, route, record);
    const site = { endpoint: route.endpoint, userId: account.userId, orderId: record.orderId };
    const early = this.requestFault(site);
    // A proxy answering instead of the gateway: a request it `served` still takes effect,
    // except for the v1 token calls, which a proxy answer always replaces.
    const replaced =
      early.transport?.kind === 'http-status' && (!sealed || !early.transport.served);
    if (early.answer || replaced) return early;
    const outcome = this.endpoints.serve(account, route, message);
    return { ...outcome, transport: early.transport, faults: [...early.faults, ...outcome.faults] };
  }

  /** The request-stage faults; `error` and `http-status` replace the endpoint entirely. */
  private requestFault(site: {
    endpoint: string;
    userId?: string;
    orderId?: string;
  }): PtsSandboxServed {
    const fault = this.deps.faults.take(site, ['error', 'http-status', 'drop', 'delay']);
    if (!fault) return { faults: [] };
    if (fault.kind === 'error') {
      return {
        answer: { code: fault.code, message: fault.message ?? ptsCodeMeaning(fault.code) },
        faults: ['error'],
      };
    }
    return { transport: fault, faults: [fault.kind] };
  }
}

function refusalAnswer(refusal: PtsSandboxRefusal): PtsSandboxAnswer {
  const meaning = PTS_ENVELOPE_CODES[refusal.ptsCode] ?? 'Refused';
  return { code: refusal.ptsCode, message: `${meaning}: ${refusal.message}` };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The GUID is a credential of sorts: logs show its first 8 characters only. */
export function maskPath(path: string): string {
  return path.replace(/^(\/merchant\/v2(?:\.1)?\/)([^/]{8})[^/]*/, '$1$2…');
}
