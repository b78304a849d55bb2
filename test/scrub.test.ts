import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  CARD,
  DEFAULT_SENSITIVE_KEYS,
  EMAIL,
  FILTERED,
  JWT,
  luhnValid,
  maskString,
  normalizeKey,
  scrub,
  sensitiveKeys,
} from '../src/scrub.js';
import { checkDigit } from './support/luhn.js';

const b64url = (text: string): string => Buffer.from(text).toString('base64url');

/** A real HS256 token: header, payload and an HMAC signature, all base64url. */
function makeJwt(payload: Record<string, unknown> = { sub: '1234567890', email: 'jane@example.com', iat: 1516239022 }): string {
  const head = `${b64url('{"alg":"HS256","typ":"JWT"}')}.${b64url(JSON.stringify(payload))}`;
  return `${head}.${createHmac('sha256', 'test-secret').update(head).digest('base64url')}`;
}

const withCheckDigit = (body: string): string => `${body}${checkDigit(body)}`;

const TOKEN = makeJwt();
const CARD_19 = withCheckDigit('622126123456789012');

describe('maskString', () => {
  // Exact outputs: what is masked, and that everything around it survives.
  const cases: Array<{ name: string; input: string; expected: string }> = [
    // e-mails
    { name: 'plain e-mail', input: 'jane@example.com', expected: EMAIL },
    { name: 'plus-addressing', input: 'jane.doe+billing@example.com', expected: EMAIL },
    { name: 'subdomains', input: 'ops@mail.eu.example.co.uk', expected: EMAIL },
    { name: 'upper case', input: 'JANE@EXAMPLE.COM', expected: EMAIL },
    { name: 'inside a sentence', input: 'Invite sent to jane.doe@example.com, waiting.', expected: `Invite sent to ${EMAIL}, waiting.` },
    { name: 'at the end of a sentence', input: 'Contact jane@example.com.', expected: `Contact ${EMAIL}.` },
    { name: 'in angle brackets', input: 'From: Jane <jane@example.com>', expected: `From: Jane <${EMAIL}>` },
    { name: 'two e-mails', input: 'a.b@example.com cc c_d@example.org', expected: `${EMAIL} cc ${EMAIL}` },
    { name: 'mailto: link', input: 'mailto:jane@example.com', expected: `mailto:${EMAIL}` },
    // cards
    { name: 'Visa, contiguous', input: 'card 4111111111111111 declined', expected: `card ${CARD} declined` },
    { name: 'Visa, single spaces', input: 'card 4111 1111 1111 1111 declined', expected: `card ${CARD} declined` },
    { name: 'Visa, dashes', input: 'card 4111-1111-1111-1111 declined', expected: `card ${CARD} declined` },
    { name: 'Mastercard', input: 'pan=5500000000000004;', expected: `pan=${CARD};` },
    { name: 'Amex, 15 digits grouped 4-6-5', input: 'amex 3782 822463 10005', expected: `amex ${CARD}` },
    { name: '13-digit Visa', input: 'old card 4222222222222', expected: `old card ${CARD}` },
    { name: '19 digits', input: `card ${CARD_19} ok`, expected: `card ${CARD} ok` },
    { name: 'glued to letters', input: 'ref:x4111111111111111', expected: `ref:x${CARD}` },
    { name: 'followed by a comma', input: 'card 4111111111111111, retry', expected: `card ${CARD}, retry` },
    { name: 'two cards', input: '4111111111111111 5500000000000004', expected: `${CARD} ${CARD}` },
    // JWTs and bearer tokens
    { name: 'a real JWT', input: `session ${TOKEN} expired`, expected: `session ${JWT} expired` },
    { name: 'bearer token', input: 'Authorization: Bearer abcdef123456', expected: `Authorization: Bearer ${FILTERED}` },
    { name: 'bearer, lower case, keeps the spacing', input: 'bearer   abc.def-123_456', expected: `bearer   ${FILTERED}` },
    { name: 'bearer JWT', input: `Bearer ${TOKEN}`, expected: `Bearer ${JWT}` },
    { name: 'basic credentials', input: 'Authorization: Basic dXNlcjpwYXNz', expected: `Authorization: Basic ${FILTERED}` },
    { name: 'e-mail keeps the text before it', input: 'email=jane@example.com', expected: `email=${EMAIL}` },
    { name: 'e-mail as URL userinfo keeps the scheme', input: 'https://jane@example.com/x', expected: `https://${EMAIL}/x` },
    {
      name: 'card at the end of a sentence',
      input: 'Payment failed for card 4111111111111111.',
      expected: `Payment failed for card ${CARD}.`,
    },
    { name: 'card after a quantity', input: 'qty 2 4111 1111 1111 1111', expected: `qty 2 ${CARD}` },
    { name: 'a card before a differently grouped card', input: '5500000000000004 4111 1111 1111 1111', expected: `${CARD} ${CARD}` },
    // secret-looking pairs
    { name: 'password=x', input: 'password=x', expected: `password=${FILTERED}` },
    { name: 'token: y', input: 'token: y', expected: `token: ${FILTERED}` },
    { name: 'api_key=z', input: 'api_key=z', expected: `api_key=${FILTERED}` },
    { name: 'JSON "api_key": "s3cr3t"', input: '{"api_key": "s3cr3t"}', expected: `{"api_key": "${FILTERED}"}` },
    { name: 'github_token=…', input: 'github_token=ghp_16C7e42F292c6912E7710c838347Ae178B4a', expected: `github_token=${FILTERED}` },
    { name: 'db-password: …', input: 'db-password: hunter2', expected: `db-password: ${FILTERED}` },
    { name: 'PASSWORD = …, spaces around the separator', input: 'PASSWORD = hunter2 rest', expected: `PASSWORD = ${FILTERED} rest` },
    { name: 'quoted value with spaces', input: "password='correct horse' ok", expected: `password='${FILTERED}' ok` },
    { name: 'secret: …', input: 'client secret: abc123', expected: `client secret: ${FILTERED}` },
    { name: 'apiKey=…', input: 'apiKey=abc123', expected: `apiKey=${FILTERED}` },
    {
      name: 'query string keeps x=1',
      input: '/login?password=a&token=b&x=1',
      expected: `/login?password=${FILTERED}&token=${FILTERED}&x=1`,
    },
    // negatives: left exactly as they are
    { name: 'tokens: 5', input: 'tokens: 5', expected: 'tokens: 5' },
    { name: 'total_tokens=5', input: 'total_tokens=512', expected: 'total_tokens=512' },
    { name: 'Token expired', input: 'Token expired', expected: 'Token expired' },
    { name: 'Basic authentication', input: 'Basic authentication failed', expected: 'Basic authentication failed' },
    { name: 'pi, a decimal', input: 'pi is 3.1415926535897932', expected: 'pi is 3.1415926535897932' },
    { name: 'author: Jane', input: 'author: Jane', expected: 'author: Jane' },
    { name: 'version 1.2.3', input: 'version 1.2.3', expected: 'version 1.2.3' },
    { name: 'Luhn-invalid 16-digit order id', input: 'order 1234567812345678 shipped', expected: 'order 1234567812345678 shipped' },
    { name: 'Visa with a wrong check digit', input: 'card 4111111111111112', expected: 'card 4111111111111112' },
    { name: 'card digits inside a longer digit run', input: 'trace 94111111111111111119', expected: 'trace 94111111111111111119' },
    { name: '12 digits are too short for a card', input: 'id 411111111116', expected: 'id 411111111116' },
    { name: 'a decimal', input: 'pi is 3.14159265358979', expected: 'pi is 3.14159265358979' },
    { name: 'digits after a dot', input: 'ratio 0.4111111111111111', expected: 'ratio 0.4111111111111111' },
    { name: 'two spaces split a card number', input: '4111  1111  1111  1111', expected: '4111  1111  1111  1111' },
    { name: 'user@localhost has no TLD', input: 'user@localhost', expected: 'user@localhost' },
    { name: 'an @handle', input: 'ping @jane about it', expected: 'ping @jane about it' },
    { name: 'IP literal is not an e-mail', input: 'root@10.0.0.1 login', expected: 'root@10.0.0.1 login' },
    { name: 'eyJ alone is not a JWT', input: 'prefix eyJhbGciOiJIUzI1NiJ9 only', expected: 'prefix eyJhbGciOiJIUzI1NiJ9 only' },
    { name: 'two segments are not a JWT', input: 'eyJhbGciOi.eyJzdWIiOi', expected: 'eyJhbGciOi.eyJzdWIiOi' },
    { name: 'short bearer value', input: 'Bearer abc', expected: 'Bearer abc' },
    { name: 'bearer without a value', input: 'missing Bearer', expected: 'missing Bearer' },
    { name: 'password without a value', input: 'password reset sent', expected: 'password reset sent' },
    { name: 'keyword glued to a word', input: 'keypassword=x', expected: 'keypassword=x' },
    { name: 'ordinary log line', input: 'GET /api/v1/query 200 in 35ms', expected: 'GET /api/v1/query 200 in 35ms' },
    { name: 'empty string', input: '', expected: '' },
    { name: 'short string', input: 'a@b.c', expected: 'a@b.c' },
    { name: 'short password pair', input: 'pwd=1', expected: 'pwd=1' },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.equal(maskString(c.input), c.expected);
    });
  }

  // The e-mail pattern follows RFC 5322 atext, so a run of atext before the '@' (`//`, `=`, `/users/`)
  // is masked with it. These cases assert only that the address is gone.
  const hidden: Array<{ name: string; input: string; secrets: string[] }> = [
    { name: 'e-mail as URL userinfo', input: 'https://jane@example.com/x', secrets: ['jane'] },
    {
      name: 'e-mail as URL username with a password',
      input: 'https://jane.doe@example.com:hunter2@api.example.com/x',
      secrets: ['jane.doe', 'hunter2'],
    },
    { name: 'e-mail in a path', input: 'GET /users/jane@example.com/profile', secrets: ['jane@example.com'] },
    { name: 'e-mail in single quotes', input: "const admin = 'jane@example.com';", secrets: ['jane@example.com'] },
    { name: 'e-mail as a query value', input: '/invite?email=jane@example.com&x=1', secrets: ['jane@example.com'] },
    { name: 'JWT inside a token pair', input: `token=${TOKEN}`, secrets: [TOKEN, TOKEN.split('.')[2] ?? ''] },
  ];
  for (const c of hidden) {
    test(`hides: ${c.name}`, () => {
      const out = maskString(c.input);
      for (const secret of c.secrets) assert.ok(!out.includes(secret), `${JSON.stringify(out)} still contains ${secret}`);
      assert.notEqual(out, c.input);
    });
  }

  // Known bugs: a Luhn-valid card is left in clear text when the digit scan first settles on a
  // wrong candidate. The regex takes the leftmost, longest run and, when Luhn rejects it, moves on
  // past it instead of trying the shorter run that is the card.
  const leaks: Array<{ name: string; input: string; expected: string }> = [
    {
      name: 'card at the end of a sentence',
      input: 'Payment failed for card 4111111111111111.',
      expected: `Payment failed for card ${CARD}.`,
    },
    { name: 'card after a single-digit number', input: 'qty 2 4111 1111 1111 1111', expected: `qty 2 ${CARD}` },
    { name: 'card before a single-digit number', input: '4111 1111 1111 1111 2 items', expected: `${CARD} 2 items` },
  ];
  for (const c of leaks) {
    test(`card leak: ${c.name}`, () => {
      assert.equal(maskString(c.input), c.expected);
    });
  }
});

describe('luhnValid', () => {
  const cases: Array<{ digits: string; expected: boolean }> = [
    { digits: '4111111111111111', expected: true },
    { digits: '5500000000000004', expected: true },
    { digits: '378282246310005', expected: true },
    { digits: '6011000990139424', expected: true },
    { digits: '4222222222222', expected: true },
    { digits: CARD_19, expected: true },
    { digits: '0000000000000', expected: true },
    { digits: '4111111111111112', expected: false },
    { digits: '1234567812345678', expected: false },
    { digits: '378282246310006', expected: false },
    { digits: '411111111116', expected: false }, // 12 digits: Luhn-valid but too short
    { digits: `${CARD_19}0`, expected: false }, // 20 digits
    { digits: '4111 1111 1111 1111', expected: false },
    { digits: '4111-1111-1111-1111', expected: false },
    { digits: '411111111111111a', expected: false },
    { digits: '', expected: false },
  ];
  for (const c of cases) {
    test(`${JSON.stringify(c.digits)} -> ${c.expected}`, () => {
      assert.equal(luhnValid(c.digits), c.expected);
    });
  }
});

describe('normalizeKey', () => {
  const cases: Array<{ key: string; expected: string }> = [
    { key: 'X-Api-Key', expected: 'xapikey' },
    { key: 'x_api_key', expected: 'xapikey' },
    { key: 'xApiKey', expected: 'xapikey' },
    { key: 'Set-Cookie', expected: 'setcookie' },
    { key: 'db.password', expected: 'dbpassword' },
    { key: 'id', expected: 'id' },
    { key: '', expected: '' },
  ];
  for (const c of cases) {
    test(`${c.key} -> ${c.expected}`, () => {
      assert.equal(normalizeKey(c.key), c.expected);
    });
  }
});

describe('sensitiveKeys', () => {
  const isSensitive = sensitiveKeys();
  const cases: Array<{ key: string; expected: boolean }> = [
    // the exact list, in any spelling
    { key: 'Authorization', expected: true },
    { key: 'proxy-authorization', expected: true },
    { key: 'cookie', expected: true },
    { key: 'Set-Cookie', expected: true },
    { key: 'X-Api-Key', expected: true },
    { key: 'xApiKey', expected: true },
    { key: 'api_key', expected: true },
    { key: 'token', expected: true },
    { key: 'access_token', expected: true },
    { key: 'id_token', expected: true },
    { key: 'client_secret', expected: true },
    { key: 'sessionId', expected: true },
    { key: 'session', expected: true },
    { key: 'credentials', expected: true },
    { key: 'X-CSRF-Token', expected: true },
    // suffixes
    { key: 'password', expected: true },
    { key: 'db_password', expected: true },
    { key: 'DB_PASSWD', expected: true },
    { key: 'webhookSecret', expected: true },
    { key: 'stripe-api-key', expected: true },
    { key: 'aws_access_token', expected: true },
    { key: 'refreshToken', expected: true },
    { key: 'x-auth-token', expected: true },
    { key: 'github_auth_token', expected: true },
    { key: 'privateKey', expected: true },
    // negatives
    { key: 'tokens', expected: false },
    { key: 'total_tokens', expected: false },
    { key: 'token_count', expected: false },
    { key: 'author', expected: false },
    { key: 'id', expected: false },
    { key: 'user_id', expected: false },
    { key: 'passwordHint', expected: false },
    { key: 'secretary', expected: false },
    { key: 'cookies_enabled', expected: false },
    { key: 'keyboard', expected: false },
    { key: '', expected: false },
  ];
  for (const c of cases) {
    test(`${c.key || '(empty)'} -> ${c.expected}`, () => {
      assert.equal(isSensitive(c.key), c.expected);
    });
  }

  test('every default key is sensitive', () => {
    for (const key of DEFAULT_SENSITIVE_KEYS) assert.equal(isSensitive(key), true, key);
  });

  test('extra keys from the argument, in any spelling', () => {
    const withExtra = sensitiveKeys(['tenant_ref', 'X-Org-Signature']);
    for (const key of ['tenant_ref', 'TenantRef', 'tenant-ref', 'x_org_signature', 'xOrgSignature'])
      assert.equal(withExtra(key), true, key);
    for (const key of ['tenant', 'ref', 'signature']) assert.equal(withExtra(key), false, key);
    assert.equal(isSensitive('tenant_ref'), false, 'the default test does not know the extra key');
  });

  // The comment on SENSITIVE_SUFFIXES promises `github_token`, but 'token' is neither a suffix nor
  // is 'githubtoken' in the exact list, so scrub() sends { github_token: 'ghp_…' } as it is.
  test('github_token, as the comment on SENSITIVE_SUFFIXES promises', () => {
    for (const key of ['github_token', 'GITHUB_TOKEN', 'npm_token']) assert.equal(isSensitive(key), true, key);
  });
});

describe('scrub', () => {
  const isSensitive = sensitiveKeys();

  test('masks strings at any depth, inside arrays too', () => {
    const input = { order: { notes: ['ok', ['call jane@example.com'], { text: 'card 4111 1111 1111 1111' }] }, n: 1, flag: true };
    assert.deepEqual(scrub(input, isSensitive), {
      order: { notes: ['ok', [`call ${EMAIL}`], { text: `card ${CARD}` }] },
      n: 1,
      flag: true,
    });
  });

  test('a bare string is masked', () => {
    assert.equal(scrub('mail jane@example.com', isSensitive), `mail ${EMAIL}`);
  });

  test('values under sensitive keys are filtered whole, at any depth', () => {
    const input = {
      password: 'hunter2',
      a: { b: { c: { Authorization: 'Basic dXNlcjpwYXNz', token: { nested: 'x' }, cookie: ['a=1', 'b=2'], retries: 3 } } },
      list: [{ db_password: 42 }, { name: 'kept' }],
    };
    assert.deepEqual(scrub(input, isSensitive), {
      password: FILTERED,
      a: { b: { c: { Authorization: FILTERED, token: FILTERED, cookie: FILTERED, retries: 3 } } },
      list: [{ db_password: FILTERED }, { name: 'kept' }],
    });
  });

  test('null and undefined under a sensitive key stay as they are', () => {
    const out = scrub({ password: null, token: undefined, secret: '' }, isSensitive);
    assert.deepEqual(out, { password: null, token: undefined, secret: FILTERED });
    assert.ok(Object.hasOwn(out, 'token'));
  });

  test('keys from the argument are honoured', () => {
    const input = { tenant_ref: 'acme-42', other: 'acme-42' };
    assert.deepEqual(scrub(input, sensitiveKeys(['tenant_ref'])), { tenant_ref: FILTERED, other: 'acme-42' });
    assert.deepEqual(scrub(input, isSensitive), input);
  });

  test('a cycle does not crash and ends in [FILTERED]', () => {
    const a: Record<string, unknown> = { name: 'a', mail: 'jane@example.com' };
    a['self'] = a;
    const list: unknown[] = ['x'];
    list.push(list);
    assert.deepEqual(scrub(a, isSensitive), { name: 'a', mail: EMAIL, self: FILTERED });
    assert.deepEqual(scrub(list, isSensitive), ['x', FILTERED]);
  });

  // A repeated, acyclic reference is not a cycle, but `seen` is never emptied on the way back up.
  test('the same object twice (no cycle) is kept both times', () => {
    const shared = { id: 7 };
    assert.deepEqual(scrub({ before: shared, after: shared }, isSensitive), { before: { id: 7 }, after: { id: 7 } });
  });

  test('more than 20 levels end in [FILTERED]', () => {
    type Chain = { level: number; note: string; next?: Chain };
    const root: Chain = { level: 0, note: 'jane@example.com' };
    let tail = root;
    for (let level = 1; level <= 30; level++) {
      tail.next = { level, note: 'jane@example.com' };
      tail = tail.next;
    }
    const out = scrub(root, isSensitive) as unknown;
    let node = out as Record<string, unknown>;
    for (let level = 0; level < 20; level++) {
      assert.equal(node['level'], level);
      assert.equal(node['note'], EMAIL);
      node = node['next'] as Record<string, unknown>;
    }
    assert.equal(node, FILTERED);
    assert.ok(!JSON.stringify(out).includes('jane@'));
  });

  test('10 levels are kept whole', () => {
    let value: unknown = 'deep jane@example.com';
    for (let i = 0; i < 10; i++) value = { v: [value] };
    let expected: unknown = `deep ${EMAIL}`;
    for (let i = 0; i < 10; i++) expected = { v: [expected] };
    assert.deepEqual(scrub(value, isSensitive), expected);
  });

  test('non-plain objects are returned as they are', () => {
    const date = new Date(0);
    const map = new Map([['mail', 'jane@example.com']]);
    const buffer = Buffer.from('abc');
    const out = scrub({ date, map, buffer }, isSensitive);
    assert.equal(out.date, date);
    assert.equal(out.map, map);
    assert.equal(out.buffer, buffer);
  });

  test('null-prototype objects are scrubbed', () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { mail: 'jane@example.com', password: 'x' });
    assert.deepEqual({ ...scrub(bare, isSensitive) }, { mail: EMAIL, password: FILTERED });
  });

  test('the input is not changed', () => {
    const input = {
      mail: 'jane@example.com',
      password: 'hunter2',
      nested: { list: ['4111111111111111', { token: 'abc' }] },
    };
    const before = structuredClone(input);
    const out = scrub(input, isSensitive);
    assert.deepEqual(input, before);
    assert.notEqual(out, input);
    assert.notEqual(out.nested, input.nested);
    assert.notEqual(out.nested.list, input.nested.list);
  });

  test('numbers, booleans, null and undefined pass through', () => {
    for (const v of [0, 4111111111111111, true, null, undefined, 10n]) assert.equal(scrub(v, isSensitive), v);
  });
});
