import { Injectable, type CanActivate, type ExecutionContext, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { PtsSettings } from '../options/pts-settings.js';
import type { PtsCallbackKind } from './pts-callback.entity.js';
import { PtsCallbackRefused } from './pts-callback-errors.js';
import { keptCallbackHeaders, type PtsInboundCallback } from './pts-inbound-callback.js';
import { PtsIpAllowList } from './pts-ip-allow-list.js';
import { declaredBodyLength, ptsRawBodyOf } from './pts-raw-body.js';

export const PTS_CALLBACK_KIND = 'pts:callback-kind';

/** Which kind of PTS message a route receives. */
export const PtsCallbackRoute = (kind: PtsCallbackKind) => SetMetadata(PTS_CALLBACK_KIND, kind);

export type PtsCallbackRequest = Request & { ptsCallback?: PtsInboundCallback };

/**
 * The envelope side of callbacks (A6): checks the sender's IP against the allow-list, then
 * captures the exact body bytes, so the controller receives a ready `PtsInboundCallback`.
 * It never touches the database: a refused sender's callback is handed on marked `refused`,
 * without its body, and the processor stores it as a small rejected row (docs/hardening.md).
 */
@Injectable()
export class PtsCallbackGuard implements CanActivate {
  private readonly allowList: PtsIpAllowList;

  constructor(
    private readonly settings: PtsSettings,
    private readonly reflector: Reflector,
  ) {
    this.allowList = new PtsIpAllowList(settings.callbackAllowedIps);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const kind = this.reflector.get<PtsCallbackKind | undefined>(
      PTS_CALLBACK_KIND,
      context.getHandler(),
    );
    if (!kind) return true;
    if (!this.settings.registerCallbackController) {
      throw new PtsCallbackRefused(404, 'callback routes are switched off');
    }
    const req = context.switchToHttp().getRequest<PtsCallbackRequest>();
    const remoteAddress = req.ip ?? req.socket.remoteAddress;
    const headers = keptCallbackHeaders(req.headers);
    // The sender first: a refused address costs one small row, its body is never read.
    if (!this.allowList.allows(remoteAddress)) {
      const declared = declaredBodyLength(req);
      req.ptsCallback = {
        kind,
        body: { bytes: Buffer.alloc(0), totalBytes: declared, truncated: declared > 0 },
        remoteAddress,
        headers,
        refused: { httpStatus: 403, reason: `address ${remoteAddress ?? '?'} is not allowed` },
      };
      return true;
    }
    const body = await ptsRawBodyOf(req, this.settings.callbackBodyLimitBytes);
    if (!body) {
      throw new PtsCallbackRefused(
        500,
        'PTS: the callback body was parsed before PtsModule could keep its exact bytes; create the app with `rawBody: true` or mount `ptsRawBodyMiddleware()` on /pts before body parsers',
      );
    }
    req.ptsCallback = { kind, body, remoteAddress, headers };
    return true;
  }
}
