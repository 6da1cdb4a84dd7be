// A stand-in for kube-apiserver's namespaces endpoint, on loopback: two namespaces (payments
// labelled jobguard.dev/mode=enforce) and a watch that stays open, so jobguard's namespace-label
// cache syncs as it does in a cluster. Writes its port to the file named by the first argument.
//   node .ci/stand-in-apiserver.mjs PORT_FILE
import { createServer } from 'node:http';
import { writeFileSync } from 'node:fs';

const items = [
  { metadata: { name: 'default', labels: {} } },
  { metadata: { name: 'payments', labels: { 'jobguard.dev/mode': 'enforce' } } },
];
const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://api');
  if (url.pathname !== '/api/v1/namespaces') return res.writeHead(404).end();
  res.writeHead(200, { 'content-type': 'application/json' });
  if (url.searchParams.get('watch') === 'true') return res.flushHeaders();
  res.end(
    JSON.stringify({ kind: 'NamespaceList', apiVersion: 'v1', metadata: { resourceVersion: '7' }, items }),
  );
});
server.listen(0, '127.0.0.1', () => writeFileSync(process.argv[2], String(server.address().port)));
