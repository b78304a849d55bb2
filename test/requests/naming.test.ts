import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { spanName, templatePath } from '../../src/requests/naming.js';

describe('templatePath', () => {
  const cases: Array<{ name: string; path: string; expected: string }> = [
    { name: 'number', path: '/users/42', expected: '/users/:id' },
    { name: 'several numbers', path: '/orgs/7/users/42/', expected: '/orgs/:id/users/:id/' },
    { name: 'UUID', path: '/conversations/123e4567-e89b-12d3-a456-426614174000', expected: '/conversations/:id' },
    { name: 'upper-case UUID', path: '/c/123E4567-E89B-12D3-A456-426614174000/msgs', expected: '/c/:id/msgs' },
    { name: 'long hex (object id)', path: '/docs/507f1f77bcf86cd799439011', expected: '/docs/:id' },
    { name: 'long hex (sha1)', path: '/blobs/da39a3ee5e6b4b0d3255bfef95601890afd80709', expected: '/blobs/:id' },
    { name: 'ULID', path: '/jobs/01ARZ3NDEKTSV4RRFFQ69G5FAV', expected: '/jobs/:id' },
    { name: 'lower-case ULID', path: '/jobs/01arz3ndektsv4rrffq69g5fav', expected: '/jobs/:id' },
    { name: 'query string stripped', path: '/users/42?expand=true', expected: '/users/:id' },
    { name: 'fragment stripped', path: '/users#top', expected: '/users' },
    { name: 'words kept', path: '/api/v1/query', expected: '/api/v1/query' },
    { name: 'short hex word kept', path: '/colors/deadbeef', expected: '/colors/deadbeef' },
    { name: 'mixed word with digits kept', path: '/v2/item42', expected: '/v2/item42' },
    { name: 'root', path: '/', expected: '/' },
  ];
  for (const c of cases) {
    test(`${c.name}: ${c.path} -> ${c.expected}`, () => {
      assert.equal(templatePath(c.path), c.expected);
    });
  }
});

describe('spanName', () => {
  const cases: Array<{ method: string; route: string | undefined; path: string; expected: string }> = [
    { method: 'POST', route: '/users/:userId', path: '/users/42', expected: 'POST /users/:userId' },
    { method: 'post', route: '/v1/query', path: '/v1/query?x=1', expected: 'POST /v1/query' },
    { method: 'GET', route: undefined, path: '/users/42?x=1', expected: 'GET /users/:id' },
    { method: 'delete', route: undefined, path: '/docs/507f1f77bcf86cd799439011', expected: 'DELETE /docs/:id' },
  ];
  for (const c of cases) {
    test(`${c.method} route=${String(c.route)} path=${c.path} -> ${c.expected}`, () => {
      assert.equal(spanName(c.method, c.route, c.path), c.expected);
    });
  }
});
