/**
 * Low-cardinality span names: `METHOD route`. A framework's route wins; else
 * the path with id-like segments replaced by `:id`, so `/users/42` and
 * `/users/43` are one name.
 */
import { stripQuery } from './sampler.js';

const ID_SEGMENT = [
  /^\d+$/, // 42
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, // UUID
  /^[0-9a-f]{16,}$/i, // long hex: object ids, hashes
  /^[0-9A-HJKMNP-TV-Z]{26}$/i, // ULID (case-insensitive by spec)
];

export function templatePath(path: string): string {
  return stripQuery(path)
    .split('/')
    .map((segment) => (segment && ID_SEGMENT.some((re) => re.test(segment)) ? ':id' : segment))
    .join('/');
}

export function spanName(method: string, route: string | undefined, path: string): string {
  return `${method.toUpperCase()} ${route ?? templatePath(path)}`;
}
