import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Request } from 'express';
import { isPtsCallbackRoute } from 'pts-nest';

/** The shop's global guard: every route needs the API key, except PTS's callbacks. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(private readonly config: ConfigService) {}

  canActivate(context: ExecutionContext): boolean {
    // PTS sends no API key; the module's own guard checks the sender and the signature.
    if (isPtsCallbackRoute(context)) return true;
    const request = context.switchToHttp().getRequest<Request>();
    return request.headers['x-api-key'] === this.config.getOrThrow<string>('SHOP_API_KEY');
  }
}
