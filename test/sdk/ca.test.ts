import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { rootCertificates } from 'node:tls';
import { loadCaBundle } from '../../src/sdk/ca.js';

const notFound = (path: string): string =>
  `CA cert file specified by SENTRY_CA_CERTS not found at ${path}; proceeding without custom CA certs`;

describe('loadCaBundle', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ca-test-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const pem = rootCertificates[0] ?? '';
  const otherPem = rootCertificates[1] ?? '';

  function load(path: string | undefined): { bundle: ReturnType<typeof loadCaBundle>; warnings: string[] } {
    const warnings: string[] = [];
    const bundle = loadCaBundle(path, { warn: (message) => warnings.push(message) });
    return { bundle, warnings };
  }

  test('the fixture certificates are PEM', () => {
    assert.match(pem, /^-----BEGIN CERTIFICATE-----/);
    assert.match(otherPem, /^-----BEGIN CERTIFICATE-----/);
  });

  test('undefined path: nothing, silently', () => {
    assert.deepEqual(load(undefined), { bundle: undefined, warnings: [] });
  });

  const unreadable: Array<{ name: string; path: string }> = [
    { name: 'missing file', path: join(dir, 'missing.pem') },
    { name: 'a directory', path: dir },
  ];
  for (const c of unreadable) {
    test(`${c.name}: the not-found warning`, () => {
      assert.deepEqual(load(c.path), { bundle: undefined, warnings: [notFound(c.path)] });
    });
  }

  test('a file without PEM blocks: one warning, no bundle', () => {
    const path = join(dir, 'empty.pem');
    writeFileSync(path, 'this is not a certificate\n');
    const { bundle, warnings } = load(path);
    assert.equal(bundle, undefined);
    assert.deepEqual(warnings, [`SENTRY_CA_CERTS file at ${path} holds no PEM certificate; proceeding without custom CA certs`]);
  });

  const bundles: Array<{ name: string; text: string; certs: string[] }> = [
    { name: 'one PEM block', text: `${pem}\n`, certs: [pem] },
    {
      name: 'two PEM blocks with comments around them',
      text: `# corp root\n${pem}\n# corp intermediate\n${otherPem}\n`,
      certs: [pem, otherPem],
    },
  ];
  for (const c of bundles) {
    test(`${c.name}: added to Node's roots`, () => {
      const path = join(dir, `bundle-${c.certs.length}.pem`);
      writeFileSync(path, c.text);
      const { bundle, warnings } = load(path);
      assert.deepEqual(warnings, []);
      assert.ok(bundle);
      assert.equal(bundle.count, c.certs.length);
      assert.equal(bundle.path, path);
      assert.equal(bundle.ca.length, rootCertificates.length + c.certs.length);
      assert.deepEqual(bundle.ca.slice(rootCertificates.length), c.certs);
      assert.deepEqual(bundle.ca.slice(0, rootCertificates.length), [...rootCertificates]);
    });
  }
});
