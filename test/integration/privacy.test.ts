/**
 * Every PII class the masking knows, end to end, through real Express errors:
 * an unchanged app (test/fixtures/lib/pii.cjs) throws, logs, records on its
 * spans and calls upstreams with one class of secret each. No piece of any
 * secret is in any request the sink received (event envelopes and OTLP spans,
 * read raw); the masked forms arrive where the app put the secrets; and a
 * message full of look-alikes (a timestamp, an order number, a UUID, an
 * address) arrives byte for byte.
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { Sink, SinkSpan } from '../support/sink.js';
import { startUpstream } from '../support/upstream.js';
import type { Upstream } from '../support/upstream.js';
import { testFixtures } from '../support/runner.js';

let upstream: Upstream;
before(async () => {
  upstream = await startUpstream('{}');
});
after(() => upstream.close());

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- event JSON from the sink is untyped
type EventJson = Record<string, any>;

const SERVER = 2;
const CLIENT = 3;
const JSON_HEADERS = { 'content-type': 'application/json' };
const FALSE_POSITIVES =
  'job failed at 1796302572211: ECONNREFUSED 10.0.0.5:5432 syncing order 1234567812345678 ' +
  '(request 3f2b8c1e-9d4a-4e7b-8c6f-1a2b3c4d5e6f) with https://api.example.com/v1/users';

interface Case {
  /** The path the traffic POSTs to. */
  readonly path: string;
  /** The event's transaction and the server span's name: the route template. */
  readonly route: string;
  /** Every exception value of the event, causes first, as they must arrive. */
  readonly values: readonly string[];
  /** Pieces of the secrets this route handled; none may reach the sink anywhere. */
  readonly secrets: readonly string[];
  /** What else the client sends with the request. */
  readonly init?: { headers?: Record<string, string>; body?: string };
}

/** The table; `upstreamUrl` is the loopback upstream (`http://127.0.0.1:<port>`) the outgoing route calls. */
const cases = (upstreamUrl: string): readonly Case[] => [
  {
    path: '/pii/postgres',
    route: 'POST /pii/postgres',
    values: ['could not connect to postgres://[FILTERED]@10.0.0.5:5432/db: connection timed out after 5000 ms'],
    // The second pair is the broker URL the route logs to the console first.
    secrets: ['svc_orders', 'pg-pa55w0rd', '//orders:', 'rabb1t-s3cret'],
  },
  {
    path: '/pii/redis',
    route: 'POST /pii/redis',
    values: ['AUTH failed for redis://[FILTERED]@cache.internal:6379', 'session store redis://[FILTERED]@cache.internal:6379 unavailable'],
    secrets: ['r3dis-pa55'],
  },
  {
    path: '/pii/mongodb',
    route: 'POST /pii/mongodb',
    values: [
      'report export failed: querySrv ENOTFOUND for mongodb+srv://[FILTERED]@cluster0.ab1cd.mongodb.net/orders?retryWrites=true&w=majority',
    ],
    secrets: ['reporting:', 'm0ngo-s3cr3t'],
  },
  {
    path: '/pii/iban',
    route: 'POST /pii/iban',
    values: ['SEPA refund from [IBAN] to [IBAN] rejected: beneficiary bank offline'],
    secrets: ['GB82WEST', '12345698765432', 'DE89 3704', '3704 0044', '0532 0130'],
  },
  {
    path: '/applicants/078-05-1120/verify',
    route: 'POST /applicants/:ssn/verify',
    values: ['identity check failed for applicant SSN [SSN]: no credit file at bureau EQ'],
    secrets: ['078-05-1120', '05-1120'],
  },
  {
    path: '/pii/key',
    route: 'POST /pii/key',
    values: ['TLS_KEY is not a usable key for api.internal:\n[PRIVATE KEY]\n(check the mounted file)'],
    secrets: ['-----BEGIN', '-----END', 'PRIVATE KEY-----', 'MIIE', 'q3WbL8mR2pJ6', 'Rk9sLm2Qp4Tz'],
  },
  {
    path: '/pii/card?email=jane@example.com&token=qu3ry-t0ken',
    route: 'POST /pii/card',
    values: ['card [CARD] of [EMAIL] declined by issuer: do_not_honor'],
    // The card and the e-mail, then what the client sent: query, headers and body.
    secrets: ['4111 1111', '1111 1111 1111', 'jane@', 'qu3ry-t0ken', 'h3ader-t0ken', 'c00kie-v4lue', 'b0dy-n0te'],
    init: {
      headers: { ...JSON_HEADERS, authorization: 'Bearer h3ader-t0ken', cookie: 'sid=c00kie-v4lue' },
      body: JSON.stringify({ card: '4111 1111 1111 1111', note: 'b0dy-n0te' }),
    },
  },
  {
    path: '/pii/not-pii',
    route: 'POST /pii/not-pii',
    values: [FALSE_POSITIVES],
    secrets: [],
  },
  {
    path: '/pii/outgoing',
    route: 'POST /pii/outgoing',
    values: [
      `Request cannot be constructed from a URL that includes credentials: http://[FILTERED]@${new URL(upstreamUrl).host}/status/200?api_key=[FILTERED]`,
    ],
    // The credentials (and their Basic form), the query key, and the e-mail and token of the first fetch.
    secrets: ['svc-sync', 'h77p-s3cret', Buffer.from('svc-sync:h77p-s3cret').toString('base64'), 'upstr3am-k3y', 'jane.doe', 's3ss10n-k3y'],
  },
];

const valuesOf = (event: EventJson | undefined): unknown => (event?.['exception']?.values ?? []).map((v: EventJson) => v['value']);

/** One line per secret's piece and endpoint that received it: how often, and where first (with some context). */
function leaks(sink: Sink, secrets: readonly string[]): string[] {
  const found = new Map<string, { count: number; first: string }>();
  for (const request of sink.requests) {
    const endpoint = request.url.split('?')[0] ?? '';
    for (const secret of secrets) {
      for (let at = request.body.indexOf(secret); at !== -1; at = request.body.indexOf(secret, at + 1)) {
        const key = `${JSON.stringify(secret)} in ${endpoint}`;
        const seen = found.get(key) ?? { count: 0, first: request.body.slice(Math.max(0, at - 100), at + 40).replace(/\n/g, '⏎') };
        found.set(key, { ...seen, count: seen.count + 1 });
      }
    }
  }
  return [...found].map(([key, { count, first }]) => `${key} ×${count}, first: …${first}…`);
}

interface SpanEvent {
  readonly span: string;
  readonly name: string;
  readonly attributes: Record<string, string | undefined>;
}

/** Span events, read from the raw OTLP/JSON bodies (the sink's SinkSpan leaves them out). */
function spanEvents(sink: Sink): SpanEvent[] {
  type Otlp = {
    resourceSpans?: Array<{
      scopeSpans?: Array<{
        spans?: Array<{
          name: string;
          events?: Array<{ name: string; attributes?: Array<{ key: string; value: { stringValue?: string } }> }>;
        }>;
      }>;
    }>;
  };
  const out: SpanEvent[] = [];
  for (const request of sink.requests.filter((r) => r.url.includes('/otlp/v1/traces'))) {
    const doc = JSON.parse(request.body) as Otlp;
    for (const span of (doc.resourceSpans ?? []).flatMap((rs) => rs.scopeSpans ?? []).flatMap((ss) => ss.spans ?? [])) {
      for (const event of span.events ?? []) {
        const attributes = Object.fromEntries((event.attributes ?? []).map((kv) => [kv.key, kv.value.stringValue]));
        out.push({ span: span.name, name: event.name, attributes });
      }
    }
  }
  return out;
}

const serverSpan = (sink: Sink, route: string): SinkSpan | undefined => sink.spans.find((s) => s.kind === SERVER && s.name === route);

testFixtures([
  {
    name: 'no piece of any secret reaches the sink: events and spans are masked, look-alikes arrive unchanged',
    app: 'pii-app',
    get env() {
      return { UPSTREAM_URL: upstream.url, SENTRY_TRACES_SAMPLE_RATE: '1' };
    },
    traffic: async (proc, sink) => {
      for (const c of cases(upstream.url)) {
        assert.equal((await proc.request('POST', c.path, c.init ?? { headers: JSON_HEADERS, body: '{}' })).status, 500, c.path);
      }
      await sink.waitFor('one error event per route', (s) => s.events().length === cases(upstream.url).length);
      // Masking is under test here, not the shutdown budget: the spans' own export is the signal, so a
      // loaded machine that makes the 2 s flush at SIGTERM run late cannot hide a span.
      await sink.waitFor(
        'a server span per route',
        (s) => new Set(s.spans.filter((x) => x.kind === SERVER).map((x) => x.name)).size >= cases(upstream.url).length,
      );
    },
    expect: async (sink, proc) => {
      proc.signal('SIGTERM');
      assert.equal((await proc.exited).code, 143);
      const table = cases(upstream.url);
      const events = sink.events() as EventJson[];
      const eventOf = (route: string): EventJson | undefined => events.find((e) => e['transaction'] === route);
      // The checks are independent: all of them run, and one failure lists every one that failed.
      const failures: string[] = [];
      const check = (what: string, fn: () => void): void => {
        try {
          fn();
        } catch (err) {
          failures.push(`${what}: ${(err as Error).message}`);
        }
      };

      check('nothing the sink received (envelopes and OTLP bodies, read raw) holds a piece of a secret', () => {
        const found = leaks(sink, [...new Set(table.flatMap((c) => c.secrets))]);
        assert.ok(found.length === 0, `secrets reached the sink:\n${found.join('\n')}`);
      });

      // Each route's event arrives once with its exception values exactly as said (the false-positive
      // route's byte for byte), and its server span arrives.
      for (const c of table) {
        check(`${c.route}: exception values`, () => {
          assert.equal(events.filter((e) => e['transaction'] === c.route).length, 1, 'events');
          assert.deepEqual(valuesOf(eventOf(c.route)), c.values);
        });
        check(`${c.route}: server span`, () => assert.ok(serverSpan(sink, c.route), 'missing'));
      }

      check('the console line logged before the throw arrives as a breadcrumb, masked in message and arguments', () => {
        const crumbs: EventJson[] = eventOf('POST /pii/postgres')?.['breadcrumbs'] ?? [];
        const crumb = crumbs.find((b) => b['category'] === 'console' && /^queue:/.test(b['message']));
        assert.ok(crumb, 'the console breadcrumb did not arrive');
        assert.equal(crumb['message'], 'queue: connecting to amqps://[FILTERED]@mq.internal:5671/prod');
        assert.deepEqual(crumb['data']?.arguments, ['queue: connecting to', 'amqps://[FILTERED]@mq.internal:5671/prod']);
      });

      check("a path parameter is masked in the event's request URL and the span's url.path", () => {
        assert.equal(eventOf('POST /applicants/:ssn/verify')?.['request']?.url, `http://127.0.0.1:${proc.port}/applicants/[SSN]/verify`);
        assert.equal(serverSpan(sink, 'POST /applicants/:ssn/verify')?.attributes['url.path'], '/applicants/[SSN]/verify');
      });

      check("client spans' url.full keep no credentials and no query; an e-mail in a path is masked", () => {
        const urls = sink.spans.filter((s) => s.kind === CLIENT).map((s) => s.attributes['url.full']);
        assert.deepEqual(urls.sort(), [`${upstream.url}/status/200`, `${upstream.url}/status/200/customers/[EMAIL]`]);
      });

      check('the fetch breadcrumb keeps no query and masks the e-mail in the path', () => {
        const crumbs: EventJson[] = eventOf('POST /pii/outgoing')?.['breadcrumbs'] ?? [];
        const urls = crumbs.filter((b) => b['category'] === 'http').map((b) => b['data']?.url);
        assert.deepEqual(urls, [`${upstream.url}/status/200/customers/[EMAIL]`]);
      });

      check('errors the app records on its spans (OpenTelemetry API) arrive as masked span events', () => {
        const recorded = spanEvents(sink).filter((e) => e.name === 'exception');
        assert.deepEqual(recorded.map((e) => e.span).sort(), ['POST /pii/key', 'POST /pii/postgres']);
        for (const event of recorded) {
          const [value] = table.find((c) => c.route === event.span)?.values ?? [];
          assert.equal(event.attributes['exception.message'], value, `exception.message on ${event.span}`);
          const stack = event.attributes['exception.stacktrace'] ?? '';
          assert.ok(stack.startsWith(`Error: ${value}\n    at `), `exception.stacktrace on ${event.span}: ${stack.slice(0, 400)}`);
        }
      });

      if (failures.length) assert.fail(`${failures.length} privacy check(s) failed:\n\n${failures.join('\n\n')}`);
    },
  },
]);
