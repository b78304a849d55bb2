/**
 * Every kind of value a program can throw that has broken an error reporter:
 * the table the capture tests and the throwables fixture share. `readable` is
 * what the captured event's message must contain.
 */
export interface Throwable {
  readonly kind: string;
  readonly make: () => unknown;
  readonly readable: RegExp;
}

export const THROWABLES: readonly Throwable[] = [
  { kind: 'an Error', make: () => new Error('plain boom'), readable: /plain boom/ },
  { kind: 'a Symbol', make: () => Symbol('boom'), readable: /Symbol\(boom\)/ },
  { kind: 'a string', make: () => 'string boom', readable: /string boom/ },
  { kind: 'a number', make: () => 42, readable: /42/ },
  { kind: 'null', make: () => null, readable: /null/ },
  { kind: 'undefined', make: () => undefined, readable: /undefined/ },
  { kind: 'a plain object', make: () => ({ code: 'E_BOOM', detail: 1 }), readable: /keys: code, detail/ },
  {
    kind: 'an object with a throwing getter',
    make: () => ({
      get message(): string {
        throw new Error('getter');
      },
    }),
    readable: /keys: message/,
  },
  {
    kind: 'an Error whose message getter throws',
    make: () =>
      Object.defineProperty(new TypeError('hidden'), 'message', {
        get() {
          throw new Error('message getter');
        },
      }),
    readable: /TypeError/,
  },
  {
    kind: 'an Error whose stack getter throws',
    make: () =>
      Object.defineProperty(new RangeError('stackless boom'), 'stack', {
        get() {
          throw new Error('stack getter');
        },
      }),
    readable: /stackless boom/,
  },
  {
    kind: 'an object whose toString throws',
    make: () => ({
      toString(): string {
        throw new Error('toString');
      },
    }),
    readable: /keys: toString/,
  },
  {
    kind: 'a revoked Proxy',
    make: () => {
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      return proxy;
    },
    readable: /Proxy/,
  },
  {
    kind: 'an Error with a circular cause chain',
    make: () => {
      const a = new Error('cause a');
      const b = new Error('cause b', { cause: a });
      a.cause = b;
      return b;
    },
    readable: /cause b/,
  },
];
