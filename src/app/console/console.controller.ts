import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Controller, Get, Header, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';

/** The console's own files: next to this module in src and, copied by nest-cli.json, in dist. */
const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));

/** Kept libraries the browser loads, served from node_modules as their packages ship them. */
const VENDOR: Record<string, string> = {
  'chart.umd.min.js': join(
    dirname(createRequire(import.meta.url).resolve('chart.js')),
    'chart.umd.min.js',
  ),
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** One path segment of a file the console ships: no slashes, no dots in front. */
const FILE_NAME = /^[a-z0-9][a-z0-9-]*\.(html|css|js|svg)$/;

/**
 * `GET /console`: the operator console (docs/console.md). Static files only; everything it
 * shows or does goes through the admin API with the key the operator signs in with.
 */
@ApiExcludeController()
@Controller('console')
export class ConsoleController {
  @Get()
  @Header('Cache-Control', 'no-cache')
  index(@Res() res: Response): Promise<void> {
    return sendFile(res, join(PUBLIC_DIR, 'index.html'), '.html');
  }

  @Get('assets/:file')
  @Header('Cache-Control', 'no-cache')
  asset(@Param('file') file: string, @Res() res: Response): Promise<void> {
    const match = FILE_NAME.exec(file);
    if (!match) throw new NotFoundException(`no console file ${file}`);
    return sendFile(res, join(PUBLIC_DIR, file), `.${match[1]}`);
  }

  @Get('vendor/:file')
  @Header('Cache-Control', 'public, max-age=86400')
  vendor(@Param('file') file: string, @Res() res: Response): Promise<void> {
    const path = VENDOR[file];
    if (!path) throw new NotFoundException(`no console library ${file}`);
    return sendFile(res, path, '.js');
  }
}

async function sendFile(res: Response, path: string, extension: string): Promise<void> {
  let body: Buffer;
  try {
    body = await readFile(path);
  } catch {
    throw new NotFoundException('no such console file');
  }
  res.type(TYPES[extension] ?? 'application/octet-stream').send(body);
}
