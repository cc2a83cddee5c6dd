import fc from 'fast-check';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestService, type TestService } from '../support/test-service.js';

const admin = { Authorization: `Bearer ${ADMIN_KEY}` };

/** Every byte percent-encoded: any string reaches the server exactly, NUL included. */
function pct(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
}

function cursorOf(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

const UUID = '0b7c2f5e-9a4d-4c1e-8f3a-2d6b1e0c9a7f';
const payment = { amount: '10.00', currency: 'PHP', channel: 'QRPH' };

describe('admin input: every bad value answers 400 with a message', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService({ label: 'admininput' });
  });

  afterAll(async () => {
    await service?.close();
  });

  it.each([
    ['an ISO week date', '/admin/orders?from=2024-W01'],
    ['an ordinal date', '/admin/orders?to=2024-032'],
    ['a comma decimal time', '/admin/orders?from=2024-01-01T10:00:00,5Z'],
    ['two dates with a comma', '/admin/orders?from=2024-01-01,2024-02-01'],
    ['the 30th of February', '/admin/orders?from=2024-02-30'],
    ['a year before 1970', '/admin/orders?from=0001-01-01'],
    [
      'a cursor with a bad uuid',
      `/admin/orders?cursor=${cursorOf(['2024-01-01T00:00:00.000000Z', '-'.repeat(36)])}`,
    ],
    [
      'a cursor with an out-of-range date',
      `/admin/orders?cursor=${cursorOf(['-271821-04-20T00:00:00.000Z', UUID])}`,
    ],
    [
      'a cursor with a date PostgreSQL refuses',
      `/admin/orders?cursor=${cursorOf(['2024-02-31T00:00:00.000000Z', UUID])}`,
    ],
    ['a cursor that is not ours', '/admin/orders?cursor=bm9wZQ'],
    ['an int8-overflowing callback cursor', '/admin/callbacks?cursor=99999999999999999999'],
    ['a hexadecimal callback cursor', '/admin/callbacks?cursor=0x10'],
    ['a NUL in a query value', '/admin/orders?status=%00'],
    ['a NUL in the account', '/admin/orders?account=a%00b'],
    ['a NUL in a path', '/admin/orders/abc%00def'],
    ['a limit of 1e400', '/admin/orders?limit=1e400'],
    ['a fractional limit', '/admin/callbacks?limit=1.5'],
  ])('GET with %s', async (_what, path) => {
    const res = await request(service.url).get(path).set(admin);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body.message).toBeTruthy();
  });

  it.each([
    ['a hexadecimal id', '0x10'],
    ['an id past int8', '99999999999999999999'],
    ['an exponent', '1e3'],
    ['a negative id', '-1'],
    ['a NUL', '1%00'],
  ])('replay with %s', async (_what, id) => {
    const res = await request(service.url).post(`/admin/callbacks/${id}/replay`).set(admin);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.message).toBeTruthy();
  });

  it.each([
    ['a duplicate key', '{"amount":"1","amount":"1000","currency":"PHP","channel":"QRPH"}'],
    ['a NUL in a string', JSON.stringify({ ...payment, remark: 'a\u0000b' })],
    ['a NUL in a key', JSON.stringify({ ...payment, details: { 'a\u0000': 'b' } })],
    [
      'details nested 2,000 deep',
      `{"amount":"1","currency":"PHP","channel":"QRPH","details":${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}}`,
    ],
    ['an amount of 10^12', JSON.stringify({ ...payment, amount: '1000000000000' })],
    ['an amount as a number', JSON.stringify({ ...payment, amount: 10 })],
    ['a JSON string as the body', '"amount"'],
    ['a body that is not JSON', '{"amount":'],
    ['a __proto__ key', '{"__proto__":{"amount":"1"},"currency":"PHP","channel":"QRPH"}'],
  ])('POST /admin/payments with %s', async (_what, body) => {
    const res = await request(service.url)
      .post('/admin/payments')
      .set(admin)
      .set('Content-Type', 'application/json')
      .send(body);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.message).toBeTruthy();
  });

  it('answers a body over the limit 413 and an unknown charset 415, as JSON', async () => {
    const big = await request(service.url)
      .post('/admin/payments')
      .set(admin)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ ...payment, remark: 'x'.repeat(200 * 1024) }));
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
    const unknown = await request(service.url)
      .post('/admin/payments')
      .set(admin)
      .set('Content-Type', 'application/json; charset=x-klingon')
      .send(JSON.stringify(payment));
    expect(unknown.status).toBe(415);
    expect(unknown.body).toMatchObject({ statusCode: 415, message: 'send JSON as UTF-8' });
  });

  it('refuses an Idempotency-Key over 255 characters, and takes one of 255', async () => {
    const long = await request(service.url)
      .post('/admin/payments')
      .set(admin)
      .set('Idempotency-Key', 'k'.repeat(256))
      .send(payment);
    expect(long.status).toBe(400);
    expect(long.body.message).toContain('Idempotency-Key');
    const fits = await request(service.url)
      .post('/admin/payments')
      .set(admin)
      .set('Idempotency-Key', 'k'.repeat(255))
      .send(payment);
    expect(fits.status).toBe(201);
  });

  it('still accepts good filters and a cursor it returned', async () => {
    for (let i = 0; i < 3; i++) {
      expect(
        (await request(service.url).post('/admin/payments').set(admin).send(payment)).status,
      ).toBe(201);
    }
    const first = await request(service.url)
      .get('/admin/orders?from=2020-01-01&to=2999-12-31T23:59:59.999Z&limit=2')
      .set(admin);
    expect(first.status).toBe(200);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const next = await request(service.url)
      .get(`/admin/orders?limit=2&cursor=${first.body.nextCursor as string}`)
      .set(admin);
    expect(next.status).toBe(200);
    expect(next.body.items.length).toBeGreaterThan(0);
  });

  describe('property: no admin input gives a 5xx', () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.constantFrom(
        '',
        '0',
        '-1',
        '0x10',
        '1e400',
        '99999999999999999999',
        '9223372036854775808',
        '2024-W01',
        '2024-01-01,2024-01-02',
        '+275760-09-13T00:00:00.000Z',
        '\u0000',
        'payment',
        'withdraw',
        'success',
        UUID,
        'a'.repeat(300),
      ),
    );
    const filterKeys = [
      'kind',
      'status',
      'from',
      'to',
      'limit',
      'cursor',
      'account',
      'outcome',
      'mode',
      'currency',
    ];

    it('over query strings of the list routes', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('/admin/orders', '/admin/callbacks', '/admin/balance', '/admin/channels'),
          fc.dictionary(fc.constantFrom(...filterKeys), text, { maxKeys: 4 }),
          async (path, query) => {
            const qs = Object.entries(query)
              .map(([k, v]) => `${k}=${pct(v)}`)
              .join('&');
            const res = await request(service.url).get(`${path}?${qs}`).set(admin);
            expect(res.status, `${path}?${qs} -> ${JSON.stringify(res.body)}`).toBeLessThan(500);
          },
        ),
        { numRuns: 150 },
      );
    });

    it('over path parameters', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(
            (id: string) => ['get', `/admin/orders/${id}`] as const,
            (id: string) => ['post', `/admin/orders/${id}/sync`] as const,
            (id: string) => ['post', `/admin/callbacks/${id}/replay`] as const,
          ),
          text.filter((t) => t !== ''),
          async (route, id) => {
            const [method, path] = route(pct(id));
            const res = await request(service.url)[method](path).set(admin);
            expect(res.status, `${method} ${path} -> ${JSON.stringify(res.body)}`).toBeLessThan(
              500,
            );
          },
        ),
        { numRuns: 150 },
      );
    });

    it('over bodies of the create routes', async () => {
      const value = fc.oneof(
        text,
        fc.integer(),
        fc.double(),
        fc.boolean(),
        fc.constant(null),
        fc.jsonValue({ maxDepth: 3 }),
      );
      const fields = [
        'orderId',
        'amount',
        'currency',
        'channel',
        'details',
        'redirectUrl',
        'errorUrl',
        'remark',
        'account',
      ];
      const body = fc.oneof(
        // Mostly well-formed, with one field replaced by anything.
        fc
          .tuple(fc.constantFrom(...fields), value)
          .map(([k, v]) => JSON.stringify({ ...payment, [k]: v })),
        fc
          .dictionary(fc.constantFrom(...fields), value, { maxKeys: 6 })
          .map((o) => JSON.stringify(o)),
        fc.string({ unit: 'binary', maxLength: 60 }),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('/admin/payments', '/admin/withdrawals'),
          body,
          async (path, json) => {
            const res = await request(service.url)
              .post(path)
              .set(admin)
              .set('Content-Type', 'application/json')
              .send(json);
            expect(res.status, `${path} ${json} -> ${JSON.stringify(res.body)}`).toBeLessThan(500);
          },
        ),
        { numRuns: 150 },
      );
    });
  });
});
