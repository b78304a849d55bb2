// Workload (a), the worst case for overhead: every route answers at once.
import http from 'node:http';

const server = http.createServer((req, res) => {
  if (req.url === '/__rss') return res.end(String(process.memoryUsage().rss));
  req.resume();
  req.on('end', () => res.end('ok'));
});
// RSS at the moment it listens: `npm run bench:startup` reports it.
server.listen(0, '127.0.0.1', () => console.log(`listening on ${server.address().port} rss ${process.memoryUsage.rss()}`));
