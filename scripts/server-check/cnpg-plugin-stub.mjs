// A stand-in for a CNPG-i plugin (CloudNativePG's plugin interface, github.com/cloudnative-pg/cnpg-i)
// on the operator's plugin socket, so that a Cluster naming the plugin passes plugin discovery: the
// operator dials every socket in PLUGIN_SOCKET_DIR, named after the plugin
// (cloudnative-pg internal/cnpi/plugin/repository/setup.go RegisterUnixSocketPluginsInPath), asks
// its identity and capabilities (internal/cnpi/plugin/connection/connection.go LoadPlugin), and
// calls only the services of the capabilities the plugin declares. This one declares none: it
// answers the three calls of the Identity service (cnpg-i proto/identity.proto) and nothing else, so
// nothing of the plugin's own work (archiving WAL to object storage) happens; that is listed as
// offline.
//
// gRPC is HTTP/2 with length-prefixed protobuf messages (grpc/grpc PROTOCOL-HTTP2.md); the
// operator's client dials the socket without TLS, so Node's http2 server answers it as it is.
import { createServer } from 'node:http2';
import { rmSync } from 'node:fs';

/** Protobuf wire format: a length-delimited field (wire type 2) and a varint field (wire type 0). */
const varint = (n) => {
  const bytes = [];
  for (let v = n; ; v >>>= 7) {
    if (v < 0x80) {
      bytes.push(v);
      return Buffer.from(bytes);
    }
    bytes.push((v & 0x7f) | 0x80);
  }
};
const stringField = (number, text) => {
  const value = Buffer.from(text, 'utf8');
  return Buffer.concat([varint((number << 3) | 2), varint(value.length), value]);
};
const boolField = (number, value) => Buffer.concat([varint(number << 3), varint(value ? 1 : 0)]);

/**
 * The answers of the Identity service (cnpgi.identity.v1): GetPluginMetadataResponse { name = 1,
 * version = 2, display_name = 3, description = 4 }, GetPluginCapabilitiesResponse with no
 * capability (an empty message), ProbeResponse { ready = 1 }.
 */
function identityAnswers(name) {
  return {
    '/cnpgi.identity.v1.Identity/GetPluginMetadata': Buffer.concat([
      stringField(1, name), stringField(2, '0.0.0-stand-in'), stringField(3, `${name} (stand-in)`),
      stringField(4, 'function check stand-in: identity only, no capabilities'),
    ]),
    '/cnpgi.identity.v1.Identity/GetPluginCapabilities': Buffer.alloc(0),
    '/cnpgi.identity.v1.Identity/Probe': boolField(1, true),
  };
}

/**
 * Serves the stand-in of plugin `name` on the unix socket `path`. Resolves once listening, with
 * calls() (the methods called so far, in order) and close().
 */
export function servePluginStub(path, name) {
  const answers = identityAnswers(name);
  const calls = [];
  const server = createServer();
  server.on('stream', (stream, headers) => {
    const method = headers[':path'];
    calls.push(method);
    stream.on('data', () => {});
    stream.on('end', () => {
      const answer = answers[method];
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers(answer
        ? { 'grpc-status': '0' }
        : { 'grpc-status': '12', 'grpc-message': `${method} is not implemented by the stand-in` }));
      if (answer) {
        const prefix = Buffer.alloc(5);
        prefix.writeUInt32BE(answer.length, 1);
        stream.end(Buffer.concat([prefix, answer]));
      } else {
        stream.end();
      }
    });
  });
  rmSync(path, { force: true });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve({
      calls: () => [...calls],
      close: () => new Promise((done) => {
        server.close(() => done());
        setTimeout(done, 2000).unref();
      }),
    }));
  });
}
