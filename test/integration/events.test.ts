/**
 * Clean, useful events from an unchanged Express app that uses the API:
 * ReportedError tags, contexts and fingerprint; an HttpClientError from a real
 * upstream 502; PII masked; noise dropped, counted and reported to Sentry's
 * client reports; the API's manual capture.
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { Sink } from '../support/sink.js';
import { startUpstream } from '../support/upstream.js';
import type { Upstream } from '../support/upstream.js';
import { testFixtures } from '../support/runner.js';

let upstream: Upstream;
before(async () => {
  upstream = await startUpstream();
});
after(() => upstream.close());

const JSON_BODY = { headers: { 'content-type': 'application/json' }, body: '{}' };
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- event JSON from the sink is untyped
type EventJson = Record<string, any>;
const eventsAt = (sink: Sink): EventJson[] => sink.events() as EventJson[];
const byType = (sink: Sink, type: string): EventJson | undefined =>
  eventsAt(sink).find((e) => e['exception']?.values?.at(-1)?.type === type);

testFixtures([
  {
    name: 'ReportedError, HttpClientError, masking, noise and the API, end to end',
    app: 'reported-app',
    get env() {
      return { UPSTREAM_URL: upstream.url, SENTRY_DEBUG: 'false' };
    },
    traffic: async (proc, sink) => {
      for (const path of ['/quota/acme', '/upstream', '/pii', '/disconnect', '/ratelimited']) {
        assert.equal((await proc.request('POST', path, JSON_BODY)).status, 500, path);
      }
      assert.equal((await proc.request('POST', '/manual', JSON_BODY)).body, 'noted');
      await sink.waitFor('three error events and one message', (s) => s.events().length === 4);
    },
    expect: async (sink, proc) => {
      proc.signal('SIGTERM');
      assert.equal((await proc.exited).code, 143);

      const quota = byType(sink, 'QuotaExceeded');
      assert.ok(quota, 'QuotaExceeded did not arrive');
      assert.equal(quota['tags']?.tenant, 'acme');
      assert.deepEqual(quota['contexts']?.quota, { limit: 5, used: 6 });
      assert.deepEqual(quota['fingerprint'], ['quota-exceeded']);

      const billing = byType(sink, 'BillingError');
      assert.ok(billing, 'BillingError did not arrive');
      assert.equal(billing['tags']?.['http.request.method'], 'POST');
      assert.equal(billing['tags']?.['http.request.url'], `${upstream.url}/status/502`);
      assert.equal(billing['tags']?.['http.response.status_code'], '502');
      assert.equal(billing['contexts']?.http_response?.status_code, 502);
      assert.equal(billing['contexts']?.http_response?.body, '{"error":"upstream failed for [EMAIL]"}');

      const pii = byType(sink, 'Error');
      assert.equal(pii?.['exception']?.values?.at(-1)?.value, 'payment failed for [EMAIL] with card [CARD], order 1234567812345678');

      const [message] = eventsAt(sink).filter((e) => e['message'] !== undefined);
      assert.equal(message?.['message'], 'manual note about [EMAIL]');
      assert.equal(message?.['level'], 'warning');
      assert.equal(message?.['tags']?.feature, 'manual');
      assert.deepEqual(message?.['user'], { id: 'u-1' });

      // Noise: dropped, not sent, counted in one line at exit and in Sentry's client reports.
      assert.equal(sink.events().length, 4);
      assert.match(proc.stderr(), /^\[sentry-register\] dropped 2 events: client-disconnect=1, rate-limit=1$/m);
      const reports = sink.items
        .filter((i) => i.type === 'client_report')
        .flatMap((i) => (i.payload['discarded_events'] as EventJson[]) ?? []);
      const beforeSend = reports.filter((r) => r['reason'] === 'before_send' && r['category'] === 'error');
      assert.equal(
        beforeSend.reduce((n, r) => n + Number(r['quantity']), 0),
        2,
        JSON.stringify(reports),
      );

      for (const request of sink.requests) {
        for (const secret of ['jane@example.com', '4111 1111 1111 1111', 'k3y']) {
          const at = request.body.indexOf(secret);
          assert.ok(at === -1, `${secret} reached Sentry (${request.url}): …${request.body.slice(Math.max(0, at - 300), at + 60)}`);
        }
      }
    },
  },
  {
    name: 'tags and breadcrumbs of one request never leak into another, traced or not; GET errors carry method and URL',
    app: 'reported-app',
    formats: ['mjs'],
    // Eleven failures of one kind: the storm budget (5, then 1 every 10 s) is not what this checks.
    env: { SENTRY_STORM_BURST: '100' },
    traffic: async (proc, sink) => {
      // Even n are POSTs (traced), odd n GETs (the dropped fast path): both isolate.
      await Promise.all(
        Array.from({ length: 10 }, (_, n) =>
          n % 2 ? proc.request('GET', `/tagged/${n}`) : proc.request('POST', `/tagged/${n}`, JSON_BODY),
        ),
      );
      assert.equal((await proc.request('GET', '/get-fail/7?secret=1')).status, 500);
      await sink.waitFor('11 events', (s) => s.events().length === 11);
    },
    expect: async (sink, proc) => {
      proc.signal('SIGTERM');
      await proc.exited;
      const tagged = eventsAt(sink).filter((e) => /tagged failure/.test(e['exception']?.values?.at(-1)?.value ?? ''));
      assert.equal(tagged.length, 10);
      for (const event of tagged) {
        const n = /tagged failure (\d+)/.exec(event['exception']?.values?.at(-1)?.value)?.[1];
        assert.equal(event['tags']?.request_n, n, 'a tag leaked between requests');
        const crumbs = (event['breadcrumbs'] ?? []).map((b: EventJson) => b['message']).filter((m: string) => m?.startsWith('handling'));
        assert.deepEqual(crumbs, [`handling ${n}`], 'a breadcrumb leaked between requests');
      }
      const get = eventsAt(sink).find((e) => /GET failure 7/.test(e['exception']?.values?.at(-1)?.value ?? ''));
      assert.equal(get?.['request']?.method, 'GET');
      assert.match(String(get?.['request']?.url), /\/get-fail\/7$/);
    },
  },
]);
