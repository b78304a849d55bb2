// Workload (b), a realistic handler: parse the (10 KB) JSON body, then about 1 ms of CPU work.
// The health route answers at once, as health routes do.
import { createHash } from 'node:crypto';
import http from 'node:http';

function cpuWork(seed) {
  let digest = seed;
  for (let i = 0; i < 260; i++) digest = createHash('sha256').update(digest).digest('hex');
  return digest;
}

const server = http.createServer((req, res) => {
  if (req.url === '/__rss') return res.end(String(process.memoryUsage().rss));
  if (req.url === '/readiness') return res.end('ok'); // health checks do no work
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    const parsed = body ? JSON.parse(body) : {};
    res.end(cpuWork(String(Object.keys(parsed).length)).slice(0, 8));
  });
});
// RSS at the moment it listens: `npm run bench:startup` reports it.
server.listen(0, '127.0.0.1', () => console.log(`listening on ${server.address().port} rss ${process.memoryUsage.rss()}`));
