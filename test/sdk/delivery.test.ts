import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Envelope, Transport, TransportMakeRequestResponse } from '@sentry/core';
import { DeliveryWatch, watchTransport } from '../../src/sdk/delivery.js';

const recorder = () => {
  const lines: string[] = [];
  return { lines, log: { warn: (m: string) => lines.push(m) } };
};

describe('DeliveryWatch', () => {
  test('one warning per kind per minute', () => {
    let now = 0;
    const { lines, log } = recorder();
    const watch = new DeliveryWatch(log, () => now);
    watch.report('refused', 'ECONNREFUSED');
    watch.report('refused', 'ECONNREFUSED again');
    watch.report('rate limited', 'HTTP 429');
    now = 59_999;
    watch.report('refused', 'still');
    now = 60_000;
    watch.report('refused', 'a minute later');
    assert.deepEqual(lines, [
      'refused: ECONNREFUSED (this warning repeats at most once a minute)',
      'rate limited: HTTP 429 (this warning repeats at most once a minute)',
      'refused: a minute later (this warning repeats at most once a minute)',
    ]);
  });
});

describe('watchTransport', () => {
  const ENVELOPE = [{}, []] as unknown as Envelope;
  const transportAnswering = (outcome: () => Promise<TransportMakeRequestResponse>): Transport => ({
    send: outcome,
    flush: () => Promise.resolve(true),
  });
  const cases: Array<{
    name: string;
    outcome: () => Promise<TransportMakeRequestResponse>;
    warning: RegExp | undefined;
    rejects: boolean;
  }> = [
    { name: '200', outcome: () => Promise.resolve({ statusCode: 200 }), warning: undefined, rejects: false },
    {
      name: '429 with Retry-After',
      outcome: () => Promise.resolve({ statusCode: 429, headers: { 'retry-after': '60', 'x-sentry-rate-limits': null } }),
      warning: /^Sentry is rate limiting events: HTTP 429, retry after 60 s/,
      rejects: false,
    },
    { name: '500', outcome: () => Promise.resolve({ statusCode: 500 }), warning: /^Sentry rejected events: HTTP 500/, rejects: false },
    {
      name: 'refused',
      outcome: () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' })),
      warning: /^events could not be sent to Sentry: connect ECONNREFUSED 127\.0\.0\.1:9 \(this warning/,
      rejects: true,
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const { lines, log } = recorder();
      const transport = watchTransport(transportAnswering(c.outcome), new DeliveryWatch(log));
      const sent = Promise.resolve(transport.send(ENVELOPE));
      if (c.rejects) await assert.rejects(sent);
      else await sent;
      if (c.warning) assert.match(lines[0] ?? '', c.warning);
      else assert.deepEqual(lines, []);
    });
  }
});

describe('watchOtelErrors', () => {
  test('an OTel error no exporter reported becomes one readable warning; a second provider one explanation', async () => {
    const { diag } = await import('@opentelemetry/api');
    const { watchOtelErrors } = await import('../../src/sdk/delivery.js');
    const { lines, log } = recorder();
    watchOtelErrors(new DeliveryWatch(log), log);
    diag.error({
      stack: 'Error: connect ECONNREFUSED 127.0.0.1:9\n    at x',
      message: 'connect ECONNREFUSED 127.0.0.1:9',
      code: 'ECONNREFUSED',
    } as never);
    diag.error('@opentelemetry/api: Attempted duplicate registration of API: trace');
    diag.error('@opentelemetry/api: Attempted duplicate registration of API: propagation');
    diag.disable();
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.match(lines[0] ?? '', /^OpenTelemetry reported an error: connect ECONNREFUSED 127\.0\.0\.1:9 \(this warning/);
    assert.match(lines[1] ?? '', /registered its own OpenTelemetry provider/);
  });

  test("export failures the exporters reported, and the batch processor's own Timeout, are not reported again", async () => {
    const { diag } = await import('@opentelemetry/api');
    const { globalErrorHandler } = await import('@opentelemetry/core');
    const { watchOtelErrors, COLLECTOR_LABEL, ReportedExportError, SENTRY_LABEL } = await import('../../src/sdk/delivery.js');
    const { lines, log } = recorder();
    watchOtelErrors(new DeliveryWatch(log), log);
    const refused = (): Error => Object.assign(new Error(`connect ECONNREFUSED 127.0.0.1:4318`), { code: 'ECONNREFUSED' });
    globalErrorHandler(new ReportedExportError(COLLECTOR_LABEL, refused()));
    globalErrorHandler(new ReportedExportError(SENTRY_LABEL, refused()));
    globalErrorHandler(new Error('Timeout'));
    // Any other error: one short line of it, code first.
    globalErrorHandler(Object.assign(new Error('socket hang up\nmore'), { code: 'ECONNRESET' }));
    diag.disable();
    assert.deepEqual(
      lines.map((l) => l.replace(/ \(this warning.*$/, '')),
      ['OpenTelemetry reported an error: ECONNRESET: socket hang up'],
    );
  });
});
