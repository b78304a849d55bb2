// Workload (c), an outage: an Express 5 route that throws a new Error on every request, each with
// its own order number, as when a dependency is down. Under @sentry/node's own setup the app adds
// Sentry's Express error handler, as Sentry's docs tell Express users to (BENCH_SENTRY_EXPRESS).
import express from 'express';

const app = express();
let order = 0;
app.get('/__rss', (req, res) => res.send(String(process.memoryUsage().rss)));
app.all('/fail', () => {
  order += 1;
  throw new Error(`upstream inventory refused order ${order} after 3 retries`);
});
if (process.env.BENCH_SENTRY_EXPRESS) (await import('@sentry/node')).setupExpressErrorHandler(app);
// Express's own final handler answers 500 and logs the stack to stderr, as in production.
const server = app.listen(0, '127.0.0.1', () => console.log(`listening on ${server.address().port} rss ${process.memoryUsage.rss()}`));
