import type { IncomingMessage, ServerResponse } from 'node:http';
import { Injectable } from '@nestjs/common';
import { PtsSettings } from '../options/pts-settings.js';
import type { PtsCallbackKind } from './pts-callback.entity.js';
import { PtsCallbackRefused } from './pts-callback-errors.js';
import { PtsCallbackProcessor } from './pts-callback-processor.js';
import {
  keptCallbackHeaders,
  type PtsCallbackVerdict,
  type PtsInboundCallback,
} from './pts-inbound-callback.js';
import { PtsIpAllowList } from './pts-ip-allow-list.js';
import { declaredBodyLength, ptsRawBodyOf } from './pts-raw-body.js';

/**
 * The HTTP side of callbacks (A6), in one layer: capture the request (sender, exact bytes),
 * hand it to the processor, write its verdict as PTS expects it. Errors are thrown to the
 * controller's `PtsCallbackExceptionFilter`. One layer rather than a guard, an interceptor and
 * a parameter decorator: those cost about a tenth of the route's CPU and did nothing that
 * a function call does not (docs/hardening.md, "The callback route").
 */
@Injectable()
export class PtsCallbackIntake {
  private readonly allowList: PtsIpAllowList;

  constructor(
    private readonly settings: PtsSettings,
    private readonly processor: PtsCallbackProcessor,
  ) {
    this.allowList = new PtsIpAllowList(settings.callbackAllowedIps);
  }

  async answer(
    kind: PtsCallbackKind,
    req: IncomingMessage & { ip?: string },
    res: ServerResponse,
  ): Promise<void> {
    const verdict = await this.processor.receive(await this.capture(kind, req));
    res.statusCode = verdict.httpStatus;
    res.setHeader('Content-Type', CONTENT_TYPES[verdict.contentType]);
    // The body of a refused sender was never read: do not keep the connection for more.
    if (verdict.httpStatus === 403) res.setHeader('Connection', 'close');
    res.setHeader('Content-Length', Buffer.byteLength(verdict.body));
    res.end(verdict.body);
  }

  /**
   * The sender first: one outside `callbackAllowedIps` is handed on marked `refused`, its body
   * never read (docs/hardening.md, section 1); then the exact body bytes (A4). No database.
   */
  async capture(
    kind: PtsCallbackKind,
    req: IncomingMessage & { ip?: string },
  ): Promise<PtsInboundCallback> {
    if (!this.settings.registerCallbackController) {
      throw PtsCallbackRefused.of(404, 'callback routes are switched off');
    }
    const remoteAddress = req.ip ?? req.socket.remoteAddress;
    const headers = keptCallbackHeaders(req.headers);
    if (!this.allowList.allows(remoteAddress)) {
      const declared = declaredBodyLength(req);
      return {
        kind,
        body: { bytes: Buffer.alloc(0), totalBytes: declared, truncated: declared > 0 },
        remoteAddress,
        headers,
        refused: { httpStatus: 403, reason: `address ${remoteAddress ?? '?'} is not allowed` },
      };
    }
    const body = await ptsRawBodyOf(req, this.settings.callbackBodyLimitBytes);
    if (!body) {
      throw PtsCallbackRefused.of(
        500,
        'PTS: the callback body was parsed before PtsModule could keep its exact bytes; create the app with `rawBody: true` or mount `ptsRawBodyMiddleware()` on /pts before body parsers',
      );
    }
    return { kind, body, remoteAddress, headers };
  }
}

const CONTENT_TYPES: Record<PtsCallbackVerdict['contentType'], string> = {
  'text/plain': 'text/plain; charset=utf-8',
  'application/json': 'application/json; charset=utf-8',
};
