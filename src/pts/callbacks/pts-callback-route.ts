import { SetMetadata, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { PtsCallbackKind } from './pts-callback.entity.js';

/**
 * Metadata key the module sets on each of its callback route handlers (value: the kind of
 * message). A host's global guard (`APP_GUARD`) that refuses anonymous requests lets these
 * through with `isPtsCallbackRoute(context)` or `reflector.get(PTS_CALLBACK_ROUTE, handler)`:
 * PTS sends no credentials of the host's, and the module itself checks the sender and the
 * signature.
 */
export const PTS_CALLBACK_ROUTE = 'pts:callback-kind';

/** Marks a handler as the route of one kind of PTS message (see `PTS_CALLBACK_ROUTE`). */
export const PtsCallbackRoute = (kind: PtsCallbackKind) => SetMetadata(PTS_CALLBACK_ROUTE, kind);

const reflector = new Reflector();

/** Whether the request is for one of the module's callback routes (see `PTS_CALLBACK_ROUTE`). */
export function isPtsCallbackRoute(context: ExecutionContext): boolean {
  return reflector.get<unknown>(PTS_CALLBACK_ROUTE, context.getHandler()) !== undefined;
}
