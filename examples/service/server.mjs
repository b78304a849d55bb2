// A small but realistic service, with no Sentry or OTel code of its own: the
// preload (`node --import @org/sentry-register server.mjs`) does the work.
// The one line that knows about Sentry reports the errors the service handles
// itself, as most services do for the errors they turn into a 500.
//
//   POST /carts/:cart/items    add an item (traced, 25% by default)
//   GET  /carts/:cart          read a cart (never traced: not a POST)
//   POST /quotes/:quote        price a cart with the downstream pricing service
//   POST /checkout/:cart       always fails: the card is declined
//   GET  /readiness, /liveness, /metrics, /   health and metrics (never traced)
import http from 'node:http';
import { captureException, ReportedError, setTag } from '@org/sentry-register/api';

class PaymentDeclined extends ReportedError {
  constructor(cart) {
    super(`payment declined for cart ${cart}`, { tags: { payment_provider: 'demo-pay' } });
  }
}

const carts = new Map();
const pricing = process.env.PRICING_URL ?? 'http://127.0.0.1:9/';

async function readJson(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body ? JSON.parse(body) : {};
}

function send(res, status, value) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

const routes = [
  [
    'POST',
    /^\/carts\/([\w-]+)\/items$/,
    async (req, res, [cart]) => {
      const item = await readJson(req);
      setTag('cart', cart);
      carts.set(cart, [...(carts.get(cart) ?? []), item]);
      send(res, 201, { cart, items: carts.get(cart).length });
    },
  ],
  ['GET', /^\/carts\/([\w-]+)$/, async (req, res, [cart]) => send(res, 200, { cart, items: carts.get(cart) ?? [] })],
  [
    'POST',
    /^\/quotes\/([\w-]+)$/,
    async (req, res, [quote]) => {
      const { items = [] } = await readJson(req);
      const answer = await fetch(`${pricing}price`, { method: 'POST', body: JSON.stringify({ items }) });
      send(res, 200, { quote, ...(await answer.json()) });
    },
  ],
  [
    'POST',
    /^\/checkout\/([\w-]+)$/,
    async (req, res, [cart]) => {
      await readJson(req);
      throw new PaymentDeclined(cart);
    },
  ],
  ['GET', /^\/(readiness|liveness)$/, async (req, res) => send(res, 200, { ok: true })],
  ['GET', /^\/metrics$/, async (req, res) => res.end('cart_requests_total 1\n')],
  ['GET', /^\/$/, async (req, res) => send(res, 200, { service: 'carts' })],
];

const server = http.createServer(async (req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  const route = routes.find(([method, pattern]) => method === req.method && pattern.test(path));
  if (!route) return send(res, 404, { error: 'not found' });
  try {
    await route[2](req, res, route[1].exec(path).slice(1));
  } catch (error) {
    captureException(error);
    if (!res.headersSent) send(res, 500, { error: 'internal error' });
  }
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => console.log(`listening on ${server.address().port}`));
