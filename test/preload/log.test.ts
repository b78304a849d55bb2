import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createLogger, describeError, PREFIX, scrub } from '../../src/preload/log.js';
import { maskString } from '../../src/events/scrub.js';

const DSN = 'https://f00dfeedcafe@o17.ingest.sentry.io/4242';
const KEY = 'f00dfeedcafe';

describe('scrub', () => {
  const cases: Array<{ name: string; line: string; secrets: string[]; expected: string }> = [
    { name: 'no secrets', line: `failed: ${DSN}`, secrets: [], expected: `failed: ${DSN}` },
    { name: 'the DSN', line: `failed: ${DSN} rejected`, secrets: [DSN], expected: 'failed: [redacted] rejected' },
    { name: 'every occurrence', line: `${KEY} and ${KEY}`, secrets: [KEY], expected: '[redacted] and [redacted]' },
    { name: 'DSN then key', line: `${DSN} / key ${KEY}`, secrets: [DSN, KEY], expected: '[redacted] / key [redacted]' },
    { name: 'key alone inside a DSN', line: `url ${DSN}`, secrets: [KEY], expected: 'url https://[redacted]@o17.ingest.sentry.io/4242' },
    { name: 'secrets under 4 characters are ignored', line: 'abc abc', secrets: ['abc', ''], expected: 'abc abc' },
    { name: 'regex characters are literal', line: 'a.b*c a-b-c', secrets: ['a.b*c'], expected: '[redacted] a-b-c' },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.equal(scrub(c.line, c.secrets), c.expected);
    });
  }
});

describe('createLogger', () => {
  const levels: Array<{ debug: boolean; expected: string[] }> = [
    {
      debug: false,
      expected: ['[sentry-register] hello', '[sentry-register] warning: careful', '[sentry-register] error: broken'],
    },
    {
      debug: true,
      expected: [
        '[sentry-register] hello',
        '[sentry-register] warning: careful',
        '[sentry-register] error: broken',
        '[sentry-register] debug: details',
      ],
    },
  ];
  for (const c of levels) {
    test(`debug ${c.debug ? 'on' : 'off'}: prefixed lines${c.debug ? ' including debug' : ', no debug'}`, () => {
      const lines: string[] = [];
      const logger = createLogger({ debug: c.debug, sink: (line) => lines.push(line) });
      logger.info('hello');
      logger.warn('careful');
      logger.error('broken');
      logger.debug('details');
      assert.deepEqual(lines, c.expected);
      for (const line of lines) assert.ok(line.startsWith(`${PREFIX} `));
    });
  }

  test('every line is scrubbed of the current secrets', () => {
    const lines: string[] = [];
    const secrets: string[] = [];
    const logger = createLogger({ debug: true, sink: (line) => lines.push(line), secrets: () => secrets });
    logger.info(`before ${KEY}`);
    secrets.push(DSN, KEY);
    logger.error(`upstream said ${DSN}`);
    logger.debug(`key ${KEY}`);
    assert.deepEqual(lines, [
      `[sentry-register] before ${KEY}`,
      '[sentry-register] error: upstream said [redacted]',
      '[sentry-register] debug: key [redacted]',
    ]);
  });
});

describe('line masking', () => {
  test('secrets are removed first, then the line is masked as events are', () => {
    const lines: string[] = [];
    const logger = createLogger({ sink: (line) => lines.push(line), secrets: () => [DSN], mask: maskString });
    logger.warn(`export to ${DSN} failed: connect postgres://app:hunter2@10.0.0.5:5432/db for jane@example.com`);
    assert.deepEqual(lines, [
      '[sentry-register] warning: export to [redacted] failed: connect postgres://[FILTERED]@10.0.0.5:5432/db for [EMAIL]',
    ]);
  });

  test('without a mask, lines are as written', () => {
    const lines: string[] = [];
    createLogger({ sink: (line) => lines.push(line) }).info('jane@example.com');
    assert.deepEqual(lines, ['[sentry-register] jane@example.com']);
  });

  test("the seeds' exact lines pass the mask unchanged", () => {
    for (const line of [
      '[sentry-register] Sentry DSN not configured, skipping initialization',
      '[sentry-register] Sentry initialized (environment=production, release=lightspeed-stack@0.1.0, traces_sample_rate=0.25, host=o123.ingest.sentry.io)',
    ]) {
      assert.equal(maskString(line), line);
    }
  });
});

describe('describeError', () => {
  const cases: Array<[unknown, string]> = [
    [new TypeError('bad'), 'TypeError: bad'],
    [new Error(''), 'Error: '],
    ['plain string', 'plain string'],
    [42, '42'],
    [undefined, 'undefined'],
  ];
  for (const [err, expected] of cases) {
    test(`${String(err)} -> ${expected}`, () => {
      assert.equal(describeError(err), expected);
    });
  }
});
