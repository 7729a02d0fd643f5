// The local control plane of the server check (docs/server-check.md): builds the Go modules in
// test/apiserver/ (embedded etcd, kube-apiserver, and kube-controller-manager and kube-scheduler as
// subcommands) and test/kwok/ (KWOK, the nodes and pods of the function check) once per content of
// their sources, caches the binaries outside the repo, and starts the control plane.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MODULE_DIR = join(ROOT, 'test', 'apiserver');
export const KWOK_MODULE_DIR = join(ROOT, 'test', 'kwok');
export const OPERATORS_MODULE_DIR = join(ROOT, 'test', 'operators');

/** What the binary reports as its version; the release test/apiserver/go.mod pins. */
const KUBERNETES_VERSION = 'v1.34.4';
/**
 * Pure Go, as the Kubernetes release builds kube-apiserver (k8s.io/kubernetes hack/lib/golang.sh:
 * kube-apiserver is in KUBE_STATIC_BINARIES, built with CGO_ENABLED=0): no C toolchain needed.
 * No VCS stamping: the module sits inside this repository's git tree, whose state is not an input.
 */
const BUILD_ENV = { CGO_ENABLED: '0', GOFLAGS: '-mod=readonly -buildvcs=false', GOTOOLCHAIN: 'local' };
const BUILD_ARGS = [
  'build', '-trimpath',
  '-ldflags', [
    '-s', '-w',
    `-X k8s.io/component-base/version.gitVersion=${KUBERNETES_VERSION}`,
    `-X k8s.io/component-base/version.gitMajor=${KUBERNETES_VERSION.split('.')[0].slice(1)}`,
    `-X k8s.io/component-base/version.gitMinor=${KUBERNETES_VERSION.split('.')[1]}`,
  ].join(' '),
];
/**
 * KWOK's own main package, from the module test/kwok/go.mod pins (its `tool` line); KWOK's version
 * is a constant of its source (sigs.k8s.io/kwok pkg/consts), so no -X flags.
 */
const KWOK_BUILD_ARGS = ['build', '-trimpath', '-ldflags', '-s -w'];
const KWOK_PACKAGE = 'sigs.k8s.io/kwok/cmd/kwok';
/**
 * Envoy Gateway's egctl, from its own main package in the module test/operators/go.mod pins (its
 * `tool` line): its translator is internal to github.com/envoyproxy/gateway, so the command is the
 * way in. Its version is stamped by -X in Envoy Gateway's Makefile only; egctl here reports none.
 */
const EGCTL_PACKAGE = 'github.com/envoyproxy/gateway/cmd/egctl';
/** The CloudNativePG operator's manager (its `controller` subcommand is the operator), same module. */
const CNPG_PACKAGE = 'github.com/cloudnative-pg/cloudnative-pg/cmd/manager';
/**
 * cert-manager's controllers, from its importable `pkg/` (its own cmd/controller is a nested module
 * the module proxy does not serve): the small runner of test/certmanager/, a module of its own so
 * that cert-manager's dependency versions move neither egctl nor the CloudNativePG operator.
 */
export const CERTMANAGER_MODULE_DIR = join(ROOT, 'test', 'certmanager');

/**
 * What can be built: the control plane (default), KWOK and the operators of stage 3 (egctl, cnpg, certmanager). `keyArgs` is what the cache key hashes
 * besides the sources; the control plane's stays as it was, so its binaries keep their keys.
 */
const TARGETS = {
  apiserver: {
    moduleDir: MODULE_DIR, args: BUILD_ARGS, pkg: '.', variable: 'APISERVER_BIN',
    what: `kube-apiserver ${KUBERNETES_VERSION} (with kube-controller-manager and kube-scheduler)`,
    keyArgs: { BUILD_ENV, BUILD_ARGS },
  },
  kwok: {
    moduleDir: KWOK_MODULE_DIR, args: KWOK_BUILD_ARGS, pkg: KWOK_PACKAGE, variable: 'KWOK_BIN',
    what: 'KWOK (test/kwok/go.mod)',
    keyArgs: { BUILD_ENV, BUILD_ARGS: KWOK_BUILD_ARGS, KWOK_PACKAGE },
  },
  egctl: {
    moduleDir: OPERATORS_MODULE_DIR, args: KWOK_BUILD_ARGS, pkg: EGCTL_PACKAGE, variable: 'EGCTL_BIN',
    what: 'Envoy Gateway egctl (test/operators/go.mod)',
    keyArgs: { BUILD_ENV, BUILD_ARGS: KWOK_BUILD_ARGS, EGCTL_PACKAGE },
  },
  cnpg: {
    moduleDir: OPERATORS_MODULE_DIR, args: KWOK_BUILD_ARGS, pkg: CNPG_PACKAGE, variable: 'CNPG_BIN',
    what: 'the CloudNativePG operator (test/operators/go.mod)',
    keyArgs: { BUILD_ENV, BUILD_ARGS: KWOK_BUILD_ARGS, CNPG_PACKAGE },
  },
  certmanager: {
    moduleDir: CERTMANAGER_MODULE_DIR, args: KWOK_BUILD_ARGS, pkg: '.', variable: 'CERTMANAGER_BIN',
    what: 'the cert-manager v1.21.1 runner (test/certmanager/)',
    keyArgs: { BUILD_ENV, BUILD_ARGS: KWOK_BUILD_ARGS },
  },
};
/** The operators of stage 3 (test/operators/ and test/certmanager/), built only on request. */
export const OPERATOR_TARGETS = ['egctl', 'cnpg', 'certmanager'];

/** A cold build of kube-apiserver on a busy 2-core machine takes tens of minutes; CI allows 90. */
const BUILD_TIMEOUT_MS = 80 * 60 * 1000;

/** A reason the control plane cannot be had here (no Go, no binary); not a finding about dist/. */
export class ControlPlaneUnavailable extends Error {}

/** Where built binaries live: outside the repo, so a fresh clone on the same machine reuses them. */
export function cacheDir(env = process.env) {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'cdk8s-constructs-server-check');
}

/** The Go command: `go` on the PATH, else the standard install location. */
function goCommand(env) {
  for (const candidate of ['go', '/usr/local/go/bin/go']) {
    const probe = spawnSync(candidate, ['env', 'GOVERSION', 'GOOS', 'GOARCH'], { encoding: 'utf8', env: { ...env, ...BUILD_ENV }, timeout: 60_000 });
    if (probe.status === 0) {
      const [version, os, arch] = probe.stdout.trim().split('\n');
      return { go: candidate, version, os, arch };
    }
  }
  return undefined;
}

/**
 * The cache key: every input of the build (go.mod, go.sum, the Go sources, the Go release, the
 * target and the build flags). A change to any of them builds a new binary.
 */
export function binaryKey(toolchain, target = 'apiserver') {
  const { moduleDir, keyArgs } = TARGETS[target];
  const hash = createHash('sha256');
  const files = readdirSync(moduleDir).filter((f) => f === 'go.mod' || f === 'go.sum' || f.endsWith('.go')).sort();
  for (const file of files) hash.update(`${file}\0`).update(readFileSync(join(moduleDir, file))).update('\0');
  hash.update(JSON.stringify({ toolchain, ...keyArgs }));
  return hash.digest('hex').slice(0, 20);
}

/**
 * The path of a usable binary of `target` ('apiserver': the control plane; 'kwok'): $APISERVER_BIN
 * or $KWOK_BIN if set, else the cached build for the current sources, built first when `build` is
 * true (otherwise ControlPlaneUnavailable). `seconds` is the build's time when it built.
 */
export async function ensureBinary({ target = 'apiserver', build = true, env = process.env, log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  const { moduleDir, args, pkg, variable, what } = TARGETS[target];
  const relativeDir = `test/${moduleDir.split(/[\\/]/).pop()}/`;
  if (env[variable]) {
    if (!existsSync(env[variable])) throw new ControlPlaneUnavailable(`${variable}=${env[variable]} does not exist`);
    return { path: env[variable], built: false };
  }
  const toolchain = goCommand(env);
  if (!toolchain) {
    throw new ControlPlaneUnavailable(`the server check builds ${what} from source and needs Go 1.24 or newer (\`go\` on the PATH, or /usr/local/go/bin/go); or set ${variable} to a binary built from ${relativeDir}`);
  }
  const { go, ...identity } = toolchain;
  const [, major, minor, patch] = /^go(\d+)\.(\d+)(?:\.(\d+))?/.exec(identity.version) ?? [];
  if (OPERATOR_TARGETS.includes(target) && Number(major) === 1 && (Number(minor) < 26 || (Number(minor) === 26 && Number(patch ?? 0) < 7))) {
    // test/operators/go.mod and test/certmanager/go.mod say `go 1.26.7` (Envoy Gateway v1.9.1's); GOTOOLCHAIN=local forbids fetching a newer Go.
    throw new ControlPlaneUnavailable(`the operators check builds ${what}, which needs Go 1.26.7 or newer (found ${identity.version}); install it or set ${variable}`);
  }
  if (target === 'kwok' && Number(major) === 1 && Number(minor) < 26) {
    // KWOK v0.8.0's go.mod says `go 1.26.0`; GOTOOLCHAIN=local forbids fetching a newer Go.
    throw new ControlPlaneUnavailable(`the function check builds KWOK v0.8.0, which needs Go 1.26 or newer (found ${identity.version}); install it, set KWOK_BIN, or set SERVER_CHECK_FUNCTION=off to run the server check alone`);
  }
  const path = join(cacheDir(env), `${target}-${binaryKey(identity, target)}`);
  if (existsSync(path)) return { path, built: false };
  const how = OPERATOR_TARGETS.includes(target) ? 'SERVER_CHECK_OPERATORS=build npm run test:server' : 'npm run test:server';
  if (!build) throw new ControlPlaneUnavailable(`no ${target} binary built for the current ${relativeDir} sources (${path}); \`${how}\` builds it`);

  mkdirSync(dirname(path), { recursive: true });
  const partial = `${path}.${process.pid}.partial`;
  log(`server check: building ${what} with ${identity.version} into ${path}`);
  log('  (a cold build compiles Kubernetes from source: many minutes; later runs reuse the binary)');
  const started = Date.now();
  // nice: the build must not starve whatever else the machine runs.
  const code = await new Promise((done) => {
    const child = spawn('nice', ['-n', '15', go, ...args, '-o', partial, pkg], {
      cwd: moduleDir, env: { ...env, ...BUILD_ENV }, stdio: ['ignore', 'inherit', 'inherit'], timeout: BUILD_TIMEOUT_MS,
    });
    child.on('error', (error) => {
      log(`server check: could not run the build: ${error.message}`);
      done(1);
    });
    child.on('exit', (status, signal) => done(signal ? `signal ${signal}` : status));
  });
  if (code !== 0) {
    rmSync(partial, { force: true });
    throw new Error(`go build in ${relativeDir} failed (${code}); see the output above`);
  }
  // Renamed into place only when complete, so a killed build never leaves a binary that looks done.
  renameSync(partial, path);
  const seconds = Math.round((Date.now() - started) / 1000);
  log(`server check: built ${target} in ${seconds} s (${Math.round(statSync(path).size / 1e6)} MB)`);
  return { path, built: true, seconds };
}

/**
 * The source directory of Go module `module` in the module cache, as `go list -m` resolves it in
 * `moduleDir` (the module a binary was built from, so its sources are there): an operator's own
 * CRDs come from the same release as the binary.
 */
export function goModuleSourceDir(module, moduleDir) {
  const run = spawnSync('go', ['list', '-m', '-f', '{{.Dir}}', module], {
    cwd: moduleDir, encoding: 'utf8', env: { ...process.env, GOFLAGS: '-mod=readonly', GOTOOLCHAIN: 'local' },
  });
  const dir = run.stdout?.trim();
  if (run.status !== 0 || !dir) throw new Error(`cannot find ${module} in the module cache (go list -m in test/${moduleDir.split(/[\\/]/).pop()}/): ${run.stderr ?? run.error?.message}`);
  return dir;
}

/**
 * Stops a child process started here: SIGTERM, then SIGKILL if it has not exited after `graceMs`.
 * `exited` is the promise of its 'exit' event, made when it was spawned (an exit before this call
 * would otherwise be missed). Resolves with how it ended.
 */
export async function stopProcess(child, exited, graceMs) {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  return { code: child.exitCode, signal: child.signalCode };
}

/**
 * Starts the control plane and resolves once /readyz answers 200, with its connection details
 * and a stop() that ends it. The process also ends by itself when this one goes away (its stdin
 * closes) or after `maxLifetimeMs`. With `controllers`, kube-controller-manager and kube-scheduler
 * run too (one process each, started by the control plane); `exited()` lists those that stopped
 * on their own, with where their log is.
 */
export function startControlPlane(binary, { readyTimeoutMs = 5 * 60 * 1000, maxLifetimeMs = 30 * 60 * 1000, controllers = false } = {}) {
  return new Promise((resolvePromise, reject) => {
    const args = [`-ready-timeout=${Math.round(readyTimeoutMs / 1000)}s`, `-max-lifetime=${Math.round(maxLifetimeMs / 1000)}s`];
    if (controllers) args.push('-controllers');
    const child = spawn(binary, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const exits = [];
    let stdout = '';
    let stderr = '';
    let ready = false;
    const exited = new Promise((done) => child.on('exit', done));
    const stop = async () => {
      await stopProcess(child, exited, 60_000);
    };
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      exits.splice(0, exits.length, ...[...stdout.matchAll(/^EXITED (.+)$/gm)].map((m) => m[1]));
      const match = /^READY (.+)$/m.exec(stdout);
      if (match && !ready) {
        ready = true;
        try {
          resolvePromise({ ...readKubeconfig(match[1]), stop, pid: child.pid, exited: () => [...exits], stderr: () => stderr });
        } catch (error) {
          stop().then(() => reject(error));
        }
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (!ready) reject(new Error(`the control plane exited before it was ready (${signal ?? `exit ${code}`}):\n${stderr.trim()}`));
    });
  });
}

/** Server, CA and bearer token from the kubeconfig the binary wrote (one cluster, one user). */
export function readKubeconfig(path) {
  const config = parse(readFileSync(path, 'utf8'));
  const cluster = config.clusters[0].cluster;
  return {
    kubeconfig: path,
    server: cluster.server,
    ca: Buffer.from(cluster['certificate-authority-data'], 'base64').toString('utf8'),
    token: config.users[0].user.token,
  };
}
