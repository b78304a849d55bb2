/**
 * Per-request isolation with the real Sentry SDK: the lazy fork must give the
 * same answers as Sentry's own eager one, fork only when something reads the
 * scopes, and refuse to run when Sentry's store is not the expected one.
 */
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { before, describe, test } from 'node:test';
import * as Sentry from '@sentry/node';
import { eagerIsolation, lazyIsolation } from '../../src/requests/isolation.js';
import type { Isolate, SentryScopes } from '../../src/requests/isolation.js';

const facts = (n: number) => ({ method: 'GET', url: `/items/${n}?token=x`, host: 'svc.local', scheme: 'http' });

/** Sentry's own functions, with a count of the forks they made. */
function countingSentry(): SentryScopes & { forks: number } {
  const counted = {
    forks: 0,
    withIsolationScope: <T>(callback: (scope: Sentry.Scope) => T): T => {
      counted.forks += 1;
      return Sentry.withIsolationScope(callback);
    },
    getIsolationScope: Sentry.getIsolationScope,
    getCurrentScope: Sentry.getCurrentScope,
  };
  return counted;
}

before(() => {
  Sentry.init({ dsn: undefined, tracesSampleRate: null as unknown as undefined, integrations: [] });
});

test("the lazy fork works with the installed Sentry's scope store", () => {
  assert.ok(lazyIsolation(Sentry), 'Sentry changed its store: every request would fork eagerly');
});

test('a store whose scopes are not the ones Sentry reads is refused', () => {
  const elsewhere = new Sentry.Scope();
  assert.equal(lazyIsolation({ ...Sentry, withIsolationScope: Sentry.withIsolationScope, getIsolationScope: () => elsewhere }), undefined);
});

test('a request that never touches Sentry forks nothing; the first read forks once', () => {
  const sentry = countingSentry();
  const isolate = lazyIsolation(sentry) as Isolate;
  sentry.forks = 0;
  isolate(facts(1), () => 'handled');
  assert.equal(sentry.forks, 0);
  isolate(facts(2), () => {
    Sentry.setTag('a', '1');
    Sentry.addBreadcrumb({ message: 'b' });
    Sentry.getCurrentScope().setExtra('c', 1);
  });
  assert.equal(sentry.forks, 1);
});

for (const [name, make] of [
  ['lazy', (s: SentryScopes) => lazyIsolation(s) as Isolate],
  ['eager', eagerIsolation],
] as const) {
  describe(`${name} isolation`, () => {
    test('tags and breadcrumbs set in concurrent requests stay in their request', async () => {
      const isolate = make(Sentry);
      const seen = await Promise.all(
        [1, 2, 3, 4].map((n) =>
          isolate(facts(n), async () => {
            Sentry.setTag('request_n', String(n));
            await delay(5 - n);
            Sentry.addBreadcrumb({ message: `handling ${n}` });
            await delay(n);
            const scope = Sentry.getIsolationScope().getScopeData();
            return { tag: scope.tags['request_n'], crumbs: scope.breadcrumbs.map((b) => b.message) };
          }),
        ),
      );
      assert.deepEqual(
        seen,
        [1, 2, 3, 4].map((n) => ({ tag: String(n), crumbs: [`handling ${n}`] })),
      );
      assert.equal(Sentry.getIsolationScope().getScopeData().tags['request_n'], undefined, 'a tag leaked out of its request');
    });

    test('the isolation scope carries method, URL and a query-free transaction name', () => {
      const data = make(Sentry)(facts(7), () => Sentry.getIsolationScope().getScopeData());
      assert.deepEqual(data.sdkProcessingMetadata['normalizedRequest'], { method: 'GET', url: 'http://svc.local/items/7?token=x' });
      assert.equal(data.transactionName, 'GET /items/7');
    });

    test('a fork starts from what the process had set before the request', () => {
      Sentry.getIsolationScope().setTag('region', 'eu');
      try {
        const tags = make(Sentry)(facts(8), () => Sentry.getIsolationScope().getScopeData().tags);
        assert.equal(tags['region'], 'eu');
      } finally {
        Sentry.getIsolationScope().setTag('region', undefined as unknown as string);
      }
    });
  });
}
