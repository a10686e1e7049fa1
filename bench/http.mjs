// Small helpers the benchmark scripts share: free ports, raw HTTP with full control of Host and
// Cookie (fetch forbids setting Host), cookies and CSRF tokens from answers, stopping a child.
import http from 'node:http';
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** One HTTP request to 127.0.0.1; the answer's body as text. */
export function request(port, { method = 'GET', path, headers = {}, body }) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path, headers: body ? { ...headers, 'content-length': Buffer.byteLength(body) } : headers },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** `name=value` of a cookie the answer sets. */
export function cookie(res, name) {
  const line = (res.headers['set-cookie'] ?? []).find((c) => c.startsWith(name + '='));
  if (!line) throw new Error(`no ${name} cookie in the answer (${res.status})`);
  return line.split(';')[0];
}

/** The CSRF token of a page: its `_csrf` field, or a form action's `_csrf=` query (multipart forms). */
export function csrfOf(html) {
  const token = html.match(/name="_csrf" value="([^"]+)"/)?.[1] ?? html.match(/_csrf=([A-Za-z0-9_-]+)/)?.[1];
  if (!token) throw new Error('no _csrf token in the page');
  return token;
}

/** A memory field of /proc/<pid>/status (VmRSS, VmHWM) in bytes; 0 once the process is gone. */
export function procStatus(pid, field) {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** SIGTERM, then SIGKILL after 5 s; resolves when the child has exited. */
export function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const hard = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(hard);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
