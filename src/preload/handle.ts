/**
 * What `start()` hands the preload: whether Sentry is on, and a flush bounded
 * in time. Its own module so that the SDK (sdk/, loaded by start.ts's
 * `import()`) can return one without importing start.ts back.
 */
export interface Handle {
  readonly active: boolean;
  flush(budgetMs?: number): Promise<'flushed' | 'timeout'>;
}
