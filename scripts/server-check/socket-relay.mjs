#!/usr/bin/env node
// Byte relays between a TCP port on loopback and a unix socket: how an operator that runs in a
// network namespace of its own (`unshare -n`, where only its loopback exists, so a pod IP it would
// dial is unreachable and no packet leaves the machine) still reaches the API server, and the API
// server its webhook. A unix socket is a file, seen from every network namespace. TLS passes through
// untouched: each end sees the other's certificate as if connected directly.
//
//   node scripts/server-check/socket-relay.mjs LISTEN=TARGET ...
//   (LISTEN and TARGET each tcp:127.0.0.1:PORT or unix:/path; prints "RELAYING" once all listen)
import { createConnection, createServer } from 'node:net';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** `tcp:host:port` or `unix:/path` to net's options. */
function endpoint(spec) {
  const [scheme, ...rest] = spec.split(':');
  if (scheme === 'unix') return { path: rest.join(':') };
  if (scheme === 'tcp') return { host: rest[0], port: Number(rest[1]) };
  throw new Error(`not an endpoint: ${spec} (tcp:HOST:PORT or unix:PATH)`);
}

/**
 * Listens on `listen` and pipes each connection to a new connection to `target`. Resolves once
 * listening with the port it listens on (for tcp with port 0, the kernel's choice) and close().
 */
export function relay(listen, target) {
  const from = endpoint(listen);
  const to = endpoint(target);
  const sockets = new Set();
  const server = createServer((inbound) => {
    const outbound = createConnection(to);
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        inbound.destroy();
        outbound.destroy();
      });
    }
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  });
  if (from.path) rmSync(from.path, { force: true });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(from.path ? { path: from.path } : { host: from.host, port: from.port }, () => resolve({
      port: from.path ? undefined : server.address().port,
      close: () => {
        for (const s of sockets) s.destroy();
        return new Promise((done) => server.close(() => done()));
      },
    }));
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const pairs = process.argv.slice(2).map((arg) => arg.split('='));
  if (!pairs.length || pairs.some((p) => p.length !== 2)) {
    console.error('usage: socket-relay.mjs LISTEN=TARGET ... (tcp:HOST:PORT or unix:PATH)');
    process.exit(2);
  }
  await Promise.all(pairs.map(([listen, target]) => relay(listen, target)));
  console.log('RELAYING');
  // Ends with the process that started it (the operator a shell exec'd in its place): once that
  // is gone, this one is handed to another parent.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.exit(0);
  }, 1000);
}
