import { createHash, timingSafeEqual } from 'node:crypto';
import {
  createParamDecorator,
  ForbiddenException,
  Inject,
  Injectable,
  SetMetadata,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';

export type AdminRole = 'admin' | 'viewer';

export interface AdminApiKey {
  role: AdminRole;
  key: string;
}

export const ADMIN_API_KEYS = Symbol('ADMIN_API_KEYS');

/** A request the guard let through carries the role of its key. */
export interface AdminRequest extends Request {
  adminRole?: AdminRole;
}

const WRITE_ROLE = 'pts:admin-write';

/** Marks a route that changes something: `admin` keys only. Reads are open to `viewer` too. */
export const AdminWrite = () => SetMetadata(WRITE_ROLE, true);

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Admin API keys kept as digests; `roleOf` compares every key in constant time. */
export class AdminKeyRing {
  private readonly keys: { role: AdminRole; digest: Buffer }[];

  constructor(keys: readonly AdminApiKey[]) {
    this.keys = keys.map((k) => ({ role: k.role, digest: digest(k.key) }));
  }

  /** The role of a key, `admin` winning when a key is listed twice; undefined if unknown. */
  roleOf(key: string): AdminRole | undefined {
    const given = digest(key);
    let role: AdminRole | undefined;
    for (const k of this.keys) {
      if (timingSafeEqual(k.digest, given) && role !== 'admin') role = k.role;
    }
    return role;
  }
}

/** The role of the key that the guard admitted, for views that differ by role. */
export const AdminRoleOf = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AdminRole =>
    context.switchToHttp().getRequest<AdminRequest>().adminRole ?? 'viewer',
);

/**
 * `Authorization: Bearer <key>` against `ADMIN_API_KEYS` (README, "HTTP surface"). Keys are
 * compared as SHA-256 digests with `timingSafeEqual`, and every key is compared, so neither the
 * length nor the position of a match leaks through timing.
 */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  private readonly keys: AdminKeyRing;

  constructor(
    @Inject(ADMIN_API_KEYS) keys: readonly AdminApiKey[],
    private readonly reflector: Reflector,
  ) {
    this.keys = new AdminKeyRing(keys);
  }

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<AdminRequest>();
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) {
      throw new UnauthorizedException('send the admin API key as `Authorization: Bearer <key>`');
    }
    const role = this.keys.roleOf(match[1]);
    if (!role) throw new UnauthorizedException('unknown admin API key');
    req.adminRole = role;
    const writes = this.reflector.getAllAndOverride<boolean | undefined>(WRITE_ROLE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (writes && role !== 'admin') {
      throw new ForbiddenException('this key has the viewer role, which may only read');
    }
    return true;
  }
}
