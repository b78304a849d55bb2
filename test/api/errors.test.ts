import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { HttpClientError, ReportedError, reportedDetails } from '../../src/api/errors.js';
import { safeUrl } from '../../src/events/privacy.js';
import { EMAIL } from '../../src/events/scrub.js';

const REPORTED = Symbol.for('@org/sentry-register/reported-error');

/** The subclass getter the ReportedError docs show. */
class QuotaExceeded extends ReportedError {
  override get fingerprint(): readonly string[] {
    return ['quota-exceeded'];
  }
}

class BillingError extends HttpClientError {}

describe('ReportedError', () => {
  test('name is the subclass name', () => {
    assert.equal(new ReportedError('x').name, 'ReportedError');
    assert.equal(new QuotaExceeded('x').name, 'QuotaExceeded');
    assert.equal(new BillingError('x').name, 'BillingError');
    assert.match(String(new QuotaExceeded('over')), /^QuotaExceeded: over$/);
  });

  test('is an Error with message and cause', () => {
    const cause = new Error('root');
    const error = new QuotaExceeded('over', { cause });
    assert.ok(error instanceof Error);
    assert.ok(error instanceof ReportedError);
    assert.equal(error.message, 'over');
    assert.equal(error.cause, cause);
  });

  test('tags and contexts from options, copied', () => {
    const tags = { tenant: 'acme' };
    const error = new ReportedError('x', { tags, contexts: { quota: { used: 3 } } });
    tags.tenant = 'changed';
    assert.deepEqual(error.tags, { tenant: 'acme' });
    assert.deepEqual(error.contexts, { quota: { used: 3 } });
  });

  test('tags and contexts default to empty', () => {
    const error = new ReportedError();
    assert.deepEqual(error.tags, {});
    assert.deepEqual(error.contexts, {});
    assert.equal(error.fingerprint, undefined);
    assert.equal(error.message, '');
  });

  test('fingerprint from options, copied and not enumerable', () => {
    const fp = ['a', 'b'];
    const error = new ReportedError('x', { fingerprint: fp });
    fp.push('c');
    assert.deepEqual(error.fingerprint, ['a', 'b']);
    assert.ok(!Object.keys(error).includes('fingerprint'));
  });

  test('fingerprint from a subclass getter: no own property hides it', () => {
    const error = new QuotaExceeded('x');
    assert.equal(Object.hasOwn(error, 'fingerprint'), false);
    assert.deepEqual(error.fingerprint, ['quota-exceeded']);
    assert.deepEqual(reportedDetails(error)?.fingerprint, ['quota-exceeded']);
  });

  test('the subclass getter wins over a fingerprint in options', () => {
    const error = new QuotaExceeded('x', { fingerprint: ['from-options'] });
    assert.equal(Object.hasOwn(error, 'fingerprint'), false);
    assert.deepEqual(reportedDetails(error)?.fingerprint, ['quota-exceeded']);
  });

  test('no own enumerable property besides tags and contexts (nothing extra in serialised errors)', () => {
    assert.deepEqual(Object.keys(new ReportedError('x', { fingerprint: ['f'] })).sort(), ['contexts', 'name', 'tags']);
  });

  test('carries the registry symbol on its prototype only', () => {
    const error = new ReportedError('x');
    assert.equal((error as unknown as Record<symbol, unknown>)[REPORTED], true);
    assert.equal(Object.hasOwn(error, REPORTED), false);
  });
});

describe('reportedDetails', () => {
  const notReported: Array<{ name: string; value: unknown }> = [
    { name: 'a plain Error', value: new Error('x') },
    { name: 'a TypeError', value: new TypeError('x') },
    { name: 'undefined', value: undefined },
    { name: 'null', value: null },
    { name: 'a string', value: 'ReportedError' },
    { name: 'a number', value: 7 },
    { name: 'an object with tags but no symbol', value: { tags: { a: 'b' }, fingerprint: ['x'] } },
    { name: 'a symbol that is not true', value: { [REPORTED]: 'yes', tags: {} } },
  ];
  for (const c of notReported) {
    test(`${c.name} -> undefined`, () => {
      assert.equal(reportedDetails(c.value), undefined);
    });
  }

  test('tags, contexts and fingerprint, as copies', () => {
    const error = new ReportedError('x', { tags: { a: 'b' }, contexts: { c: { d: 1 } }, fingerprint: ['f'] });
    const details = reportedDetails(error);
    assert.deepEqual(details, { tags: { a: 'b' }, contexts: { c: { d: 1 } }, fingerprint: ['f'] });
    assert.notEqual(details?.tags, error.tags);
  });

  test('an error from another copy of the package (the symbol only)', () => {
    const foreign = Object.assign(new Error('x'), {
      [REPORTED]: true,
      tags: { copy: '2' },
      contexts: { c: { n: 1 } },
      fingerprint: ['other', 3],
    });
    assert.deepEqual(reportedDetails(foreign), { tags: { copy: '2' }, contexts: { c: { n: 1 } }, fingerprint: ['other', '3'] });
  });

  test('missing tags and contexts become empty objects', () => {
    assert.deepEqual(reportedDetails({ [REPORTED]: true }), { tags: {}, contexts: {}, fingerprint: undefined });
  });

  const fingerprints: Array<{ name: string; value: unknown; expected: string[] | undefined }> = [
    { name: 'empty array', value: [], expected: undefined },
    { name: 'a string', value: 'one', expected: undefined },
    { name: 'numbers', value: [1, 2], expected: ['1', '2'] },
  ];
  for (const c of fingerprints) {
    test(`fingerprint ${c.name}`, () => {
      assert.deepEqual(reportedDetails({ [REPORTED]: true, fingerprint: c.value })?.fingerprint, c.expected);
    });
  }

  test('a throwing fingerprint getter does not lose the details', () => {
    class Broken extends ReportedError {
      override get fingerprint(): readonly string[] {
        throw new Error('getter bug');
      }
    }
    const details = reportedDetails(new Broken('x', { tags: { a: 'b' } }));
    assert.deepEqual(details, { tags: { a: 'b' }, contexts: {}, fingerprint: undefined });
  });
});

describe('safeUrl', () => {
  const cases: Array<{ input: string | URL | undefined; expected: string }> = [
    { input: 'https://api.example.com/v1/charge?token=abc#frag', expected: 'https://api.example.com/v1/charge' },
    { input: 'https://user:pass@api.example.com:8443/x?y=1', expected: 'https://api.example.com:8443/x' },
    { input: 'https://jane%40example.com@api.example.com/', expected: 'https://api.example.com/' },
    { input: new URL('http://127.0.0.1:3000/a/b?c=d'), expected: 'http://127.0.0.1:3000/a/b' },
    { input: 'http://api.example.com', expected: 'http://api.example.com/' },
    { input: '/relative/path?token=abc', expected: '/relative/path' },
    { input: 'not a url#frag', expected: 'not a url' },
    { input: '', expected: '' },
    { input: undefined, expected: '' },
  ];
  for (const c of cases) {
    test(`${String(c.input)} -> ${c.expected || '(empty)'}`, () => {
      assert.equal(safeUrl(c.input), c.expected);
    });
  }
});

describe('HttpClientError.fromResponse (constructed Response)', () => {
  test('tags, context, status and message', async () => {
    const response = new Response('{"error":"bad for jane@example.com"}', { status: 502 });
    assert.equal(response.url, '');
    const error = await HttpClientError.fromResponse(response, { method: 'post' });
    assert.ok(error instanceof HttpClientError);
    assert.equal(error.name, 'HttpClientError');
    assert.deepEqual(error.response, { status: 502, url: '' });
    // Deliberately not `status`: Express would answer the client with the upstream's 502.
    assert.equal((error as unknown as Record<string, unknown>)['status'], undefined);
    assert.deepEqual(error.tags, { 'http.request.method': 'POST', 'http.request.url': '', 'http.response.status_code': '502' });
    assert.deepEqual(error.contexts, {
      http_response: { method: 'POST', url: '', status_code: 502, body: `{"error":"bad for ${EMAIL}"}` },
    });
    assert.match(error.message, /^POST .*failed with 502$/);
  });

  test('the method defaults to GET, the message can be given', async () => {
    const error = await HttpClientError.fromResponse(new Response('x', { status: 500 }), { message: 'billing is down' });
    assert.equal(error.message, 'billing is down');
    assert.equal(error.tags['http.request.method'], 'GET');
  });

  test('called on a subclass, it builds the subclass', async () => {
    const error = await BillingError.fromResponse(new Response('nope', { status: 402 }));
    assert.ok(error instanceof BillingError);
    assert.ok(error instanceof HttpClientError);
    assert.ok(error instanceof ReportedError);
    assert.equal(error.name, 'BillingError');
    assert.equal(error.response?.status, 402);
    assert.ok(reportedDetails(error));
  });

  test('the body excerpt is at most 1024 bytes, and masked', async () => {
    const body = `jane@example.com ${'x'.repeat(5000)}`;
    const error = await HttpClientError.fromResponse(new Response(body, { status: 500 }));
    const excerpt = error.contexts['http_response']?.['body'];
    assert.equal(typeof excerpt, 'string');
    assert.equal(excerpt, `${EMAIL} ${'x'.repeat(1024 - 'jane@example.com '.length)}`);
  });

  test('the caller can still read the body afterwards', async () => {
    const response = new Response('{"error":"bad"}', { status: 502 });
    await HttpClientError.fromResponse(response);
    assert.equal(response.bodyUsed, false);
    assert.equal(await response.text(), '{"error":"bad"}');
  });

  test('a used body gives no body excerpt', async () => {
    const response = new Response('already read', { status: 500 });
    await response.text();
    const error = await HttpClientError.fromResponse(response);
    assert.deepEqual(error.contexts['http_response'], { method: 'GET', url: '', status_code: 500 });
  });

  test('no body gives no body excerpt', async () => {
    const error = await HttpClientError.fromResponse(new Response(null, { status: 503 }));
    assert.equal(Object.hasOwn(error.contexts['http_response'] ?? {}, 'body'), false);
  });
});

describe('HttpClientError.fromResponse (real fetch)', () => {
  let server: Server;
  let base = '';
  const stalled: ServerResponse[] = [];

  before(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      if (req.url?.startsWith('/big')) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`card 4111 1111 1111 1111 ${'y'.repeat(200_000)}`);
      } else if (req.url?.startsWith('/stall')) {
        // Headers and the start of a body, then nothing: the excerpt must give up after its timeout.
        res.writeHead(504, { 'content-type': 'text/plain' });
        res.write('partial from jane@example.com ');
        stalled.push(res);
      } else {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end('{"error":"bad gateway for jane@example.com"}');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    for (const res of stalled) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('url without the query string, masked body', async () => {
    const response = await fetch(`${base}/v1/charge?card=4111111111111111&token=abc#frag`, { method: 'POST' });
    assert.equal(response.url, `${base}/v1/charge?card=4111111111111111&token=abc`);
    const error = await BillingError.fromResponse(response, { method: 'POST' });
    const url = `${base}/v1/charge`;
    assert.ok(error instanceof BillingError);
    assert.equal(error.message, `POST ${url} failed with 502`);
    assert.deepEqual(error.response, { status: 502, url });
    assert.deepEqual(error.tags, { 'http.request.method': 'POST', 'http.request.url': url, 'http.response.status_code': '502' });
    assert.deepEqual(error.contexts, {
      http_response: { method: 'POST', url, status_code: 502, body: `{"error":"bad gateway for ${EMAIL}"}` },
    });
    assert.equal(await response.text(), '{"error":"bad gateway for jane@example.com"}');
  });

  test('a large body: 1024 bytes in the excerpt, all of it for the caller', async () => {
    const response = await fetch(`${base}/big`);
    const error = await HttpClientError.fromResponse(response);
    const excerpt = error.contexts['http_response']?.['body'];
    assert.equal(typeof excerpt, 'string');
    assert.ok(String(excerpt).startsWith('card [CARD] yyy'), String(excerpt).slice(0, 40));
    assert.ok(Buffer.byteLength(String(excerpt)) <= 1024);
    const text = await response.text();
    assert.equal(text.length, 'card 4111 1111 1111 1111 '.length + 200_000);
  });

  test('a body that stalls: gives up within about a second with what it has', async () => {
    const response = await fetch(`${base}/stall`);
    const started = Date.now();
    const error = await HttpClientError.fromResponse(response);
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 3000, `took ${elapsed} ms`);
    assert.equal(error.contexts['http_response']?.['body'], `partial from ${EMAIL} `);
    assert.deepEqual(error.response, { status: 504, url: `${base}/stall` });
  });
});

describe('HttpClientError.fromError', () => {
  const cause = Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:443'), { code: 'ECONNREFUSED' });
  const cases: Array<{ name: string; request: Parameters<typeof HttpClientError.fromError>[1]; method: string; url: string }> = [
    { name: 'a URL string', request: 'https://api.example.com/v1/x?token=abc', method: 'GET', url: 'https://api.example.com/v1/x' },
    { name: 'a URL object', request: new URL('https://u:p@api.example.com/v1/x#f'), method: 'GET', url: 'https://api.example.com/v1/x' },
    {
      name: 'a {method, url} object',
      request: { method: 'put', url: 'https://api.example.com/v1/x?x=1' },
      method: 'PUT',
      url: 'https://api.example.com/v1/x',
    },
    { name: 'a {url} object', request: { url: 'https://api.example.com/' }, method: 'GET', url: 'https://api.example.com/' },
    {
      name: 'a Request',
      request: new Request('https://api.example.com/v1/x?password=hunter2', { method: 'delete' }),
      method: 'DELETE',
      url: 'https://api.example.com/v1/x',
    },
    { name: 'an empty object', request: {}, method: 'GET', url: '' },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const error = HttpClientError.fromError(cause, c.request);
      assert.equal(error.message, `${c.method} ${c.url || 'request'} failed: Error: connect ECONNREFUSED 10.0.0.7:443`);
      assert.equal(error.cause, cause);
      assert.equal(error.response, undefined);
      assert.deepEqual(error.tags, { 'http.request.method': c.method, 'http.request.url': c.url });
      assert.deepEqual(error.contexts, {
        http_response: { method: c.method, url: c.url, error: 'Error: connect ECONNREFUSED 10.0.0.7:443' },
      });
    });
  }

  test('the reason is masked; a non-Error reason is stringified', () => {
    const error = HttpClientError.fromError('refused for jane@example.com', 'https://api.example.com/');
    assert.equal(error.message, `GET https://api.example.com/ failed: refused for ${EMAIL}`);
    assert.equal(error.contexts['http_response']?.['error'], `refused for ${EMAIL}`);
  });

  test('called on a subclass, it builds the subclass', () => {
    const error = BillingError.fromError(new DOMException('The operation was aborted due to timeout', 'TimeoutError'), {
      method: 'POST',
      url: 'https://billing.example.com/charge',
    });
    assert.ok(error instanceof BillingError);
    assert.equal(error.name, 'BillingError');
    assert.match(error.message, /^POST https:\/\/billing\.example\.com\/charge failed: TimeoutError: /);
  });
});
