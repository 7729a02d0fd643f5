#!/usr/bin/env node
// Starts a new app (`npm run new-app -- NAME --env ENV`): writes apps/NAME.ts, a WebService with a
// values schema, registers it in apps/index.ts, and writes overlays/ENV/NAME.yaml, so that
// `npm run synth -- --app NAME --env ENV` synthesizes it as it is. Everything is checked before
// anything is written; on a problem nothing is written and the exit code is 2, as for synth.
//
// Plain node: runs before anything is built. It works in a repository that uses the library as a
// package too (docs/first-app.md): without lib/, the app imports from @platform/cdk8s-constructs.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse, parseDocument } from 'yaml';

const EXIT = { ok: 0, badInput: 2, internal: 70 };
const HELP = `Usage: npm run new-app -- NAME --env ENV

Creates apps/NAME.ts (a WebService with a values schema), adds it to apps/index.ts, and writes
overlays/ENV/NAME.yaml with values to replace, marked TO CONFIRM. Then:

  npm run synth -- --app NAME --env ENV

NAME    the app's name: a DNS-1035 label (lower-case letters, digits and "-", starting with a
        letter, at most 63 characters); it also names the Deployment and Service
--env   an environment that exists: a directory overlays/ENV/ with environment.yaml
--root  the project directory (default: the directory above this script)

Exit codes: 0 done, 2 bad input (nothing was written), 70 internal error.`;

class InputError extends Error {
  constructor(problems) {
    super(problems.map((p) => p.message).join('; '));
    this.problems = problems;
  }
}

/** The same shape synth prints problems in (lib/core/errors.ts). */
function format(problem) {
  return [`${problem.where}: ${problem.message}`, ...(problem.allowed ? [`  allowed: ${problem.allowed}`] : []), ...(problem.hint ? [`  fix: ${problem.hint}`] : [])].join('\n');
}

/** `pool-domain-manager` → `poolDomainManager`, the app's export in apps/NAME.ts. */
function identifierOf(name) {
  return name.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());
}

/**
 * Words an app's identifier cannot be (`export const <identifier> = ...` in an ES module, which is
 * strict code): ECMAScript reserved words and the strict-mode ones (ECMA-262 §13.1.1 and
 * §12.7.2 "ReservedWord"; `let`, `static`, `implements`, `interface`, `package`, `private`,
 * `protected`, `public`, `yield`, `await` in modules), names strict code may not bind (`arguments`,
 * `eval`), globals a declaration would shadow to confusion (`undefined`, `NaN`, `Infinity`), and
 * the names the generated file itself imports.
 */
const RESERVED = new Set([
  'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else', 'enum', 'export', 'extends',
  'false', 'finally', 'for', 'function', 'if', 'import', 'in', 'instanceof', 'new', 'null', 'return', 'super', 'switch', 'this',
  'throw', 'true', 'try', 'typeof', 'var', 'void', 'while', 'with', 'yield', 'let', 'static', 'implements', 'interface', 'package',
  'private', 'protected', 'public', 'await', 'arguments', 'eval', 'undefined', 'NaN', 'Infinity',
  'defineApp', 'portNumber', 'WebService', 'Type',
]);

function checkName(name) {
  if (name.length > 63) return `is ${name.length} characters long; at most 63 are allowed`;
  if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name)) return 'is not a DNS-1035 label: lower-case letters, digits and "-", starting with a letter and ending with a letter or digit';
  const identifier = identifierOf(name);
  if (RESERVED.has(identifier)) return `would be exported as \`${identifier}\`, which ${/^[a-z]+$/.test(identifier) && identifier === name ? 'is a reserved word of JavaScript' : 'the generated code cannot declare'}: apps/${name}.ts would not compile`;
  return undefined;
}

/** apps/index.ts with `identifier` imported from `./name` and added to the `apps` list. */
function register(indexText, name, identifier) {
  const list = /^(export const apps\b[^=\n]*=\s*\[)([^\]]*)(\])/m.exec(indexText);
  const imports = [...indexText.matchAll(/^import \{ ([A-Za-z0-9_$]+) \} from '\.\/([^']+)';\n/gm)];
  if (!list || imports.length === 0) return undefined;
  const entries = list[2].split(',').map((e) => e.trim()).filter(Boolean);
  const at = (items, key, value) => {
    const index = items.findIndex((item) => key(item) > value);
    return index < 0 ? items.length : index;
  };
  const nextEntries = [...entries];
  nextEntries.splice(at(entries, (e) => e, identifier), 0, identifier);
  let text = indexText.slice(0, list.index) + list[1] + nextEntries.join(', ') + list[3] + indexText.slice(list.index + list[0].length);
  // The import goes among the other app imports, in order of file name.
  const before = imports.find((m) => m[2] > name);
  const line = `import { ${identifier} } from './${name}';\n`;
  const offset = before ? text.indexOf(before[0]) : text.indexOf(imports[imports.length - 1][0]) + imports[imports.length - 1][0].length;
  text = text.slice(0, offset) + line + text.slice(offset);
  return text;
}

function appSource(name, identifier, fromRepo) {
  const from = (entry) => (fromRepo ? `../lib/${entry}` : `@platform/cdk8s-constructs/${entry}`);
  return `import { WebService } from '${from('apps')}';
import { defineApp, portNumber, Type } from '${from('core')}';

/**
 * ${name}: an HTTP service in a container (a Deployment, its Service and ServiceAccount). Created
 * by \`npm run new-app\`; describe what it serves, then compose what it needs (a route, a funnel,
 * a database, secrets) from the library.
 */
export const ${identifier} = defineApp({
  name: '${name}',
  description: 'TO CONFIRM: what ${name} serves',
  values: Type.Object({
    image: Type.String({ description: 'the image: <repository>:<tag>, or <repository>@sha256:<digest> in production' }),
    port: portNumber({ description: 'the port the container serves HTTP on' }),
    healthPath: Type.Optional(Type.String({ pattern: '^/', description: 'the HTTP health endpoint the probes call (default /healthz)' })),
    replicas: Type.Optional(Type.Integer({ minimum: 1, description: 'how many pods (default 1)' })),
  }, { additionalProperties: false }),
  build(chart, values) {
    new WebService(chart, 'Web', {
      name: '${name}',
      image: values.image,
      port: values.port,
      healthPath: values.healthPath ?? '/healthz',
      replicas: values.replicas,
    });
  },
});
`;
}

function overlaySource(name, env, production) {
  const image = production
    ? `ghcr.io/example/${name}@sha256:${'0'.repeat(64)}  # TO CONFIRM: production runs digests only`
    : `ghcr.io/example/${name}:0.1.0  # TO CONFIRM: the image and its tag`;
  return `# yaml-language-server: $schema=../../docs/overlay-schemas/${name}.schema.json
# ${name} in ${env}. Created by \`npm run new-app\`; values marked TO CONFIRM are placeholders.
namespace: ${name}  # TO CONFIRM: the namespace ${name} deploys into
image: ${image}
port: 8080  # TO CONFIRM: the port the container listens on
`;
}

/**
 * environment.yaml with `namespace` under existing.namespaces, so that synth's reference check
 * finds the app's namespace (docs/security.md: every namespace is emitted or declared). Edits the
 * text, so the file's comments and layout stay; undefined when it already declares it.
 */
function declareNamespace(text, namespace) {
  const existing = parse(text)?.existing;
  if (Array.isArray(existing?.namespaces) && existing.namespaces.includes(namespace)) return undefined;
  const note = `# TO CONFIRM: ${namespace} exists and is not this repository's (or emit a Namespace in the app)`;
  const lines = text.split('\n');
  const flow = lines.findIndex((l) => /^ {2}namespaces: \[[^\]]*\]/.test(l));
  const existingLine = lines.findIndex((l) => /^existing:\s*(#.*)?$/.test(l));
  let edited;
  if (flow !== -1 && existingLine !== -1 && flow > existingLine) {
    lines[flow] = lines[flow].replace(/\[([^\]]*)\]/, (_, items) => `[${items.trim() ? `${items.trim()}, ` : ''}${namespace}]`);
    edited = lines.join('\n');
  } else if (existingLine !== -1 && existing?.namespaces === undefined) {
    lines.splice(existingLine + 1, 0, `  namespaces: [${namespace}]  ${note}`);
    edited = lines.join('\n');
  } else if (existing === undefined || existing === null) {
    edited = `${text.replace(/\n*$/, '\n')}existing:\n  namespaces: [${namespace}]  ${note}\n`;
  } else {
    const doc = parseDocument(text);
    doc.setIn(['existing', 'namespaces'], [...(existing.namespaces ?? []), namespace]);
    edited = doc.toString();
  }
  return parse(edited)?.existing?.namespaces?.includes(namespace) ? edited : undefined;
}

function main(argv) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { env: { type: 'string' }, root: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new InputError([{ where: 'command line', message: error.message, hint: 'see `npm run new-app -- --help`' }]);
  }
  if (parsed.values.help) {
    console.log(HELP);
    return EXIT.ok;
  }
  const root = resolve(parsed.values.root ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
  const [name, ...extra] = parsed.positionals;
  const env = parsed.values.env;
  const problems = [];
  if (!name) problems.push({ where: 'command line', message: 'names no app', hint: 'npm run new-app -- NAME --env ENV' });
  if (extra.length > 0) problems.push({ where: 'command line', message: `one app at a time; also given: ${extra.join(', ')}` });
  if (!env) problems.push({ where: '--env', message: 'is required: the environment the app deploys to first', hint: 'npm run new-app -- NAME --env ENV' });
  if (problems.length > 0) throw new InputError(problems);

  const nameProblem = checkName(name);
  if (nameProblem) problems.push({ where: `app name "${name}"`, message: nameProblem, allowed: 'e.g. "billing-api"' });

  const overlays = join(root, 'overlays');
  const environments = existsSync(overlays) ? readdirSync(overlays).filter((d) => existsSync(join(overlays, d, 'environment.yaml'))).sort() : [];
  let production = false;
  if (!environments.includes(env)) {
    problems.push({ where: '--env', message: `names no environment "${env}"`, allowed: environments.join(', ') || '(none yet: create overlays/<env>/environment.yaml)' });
  } else {
    production = parse(readFileSync(join(overlays, env, 'environment.yaml'), 'utf8'))?.production === true;
  }

  const appsDir = join(root, 'apps');
  const indexFile = join(appsDir, 'index.ts');
  const identifier = identifierOf(name);
  let index;
  if (!nameProblem) {
    const known = problems.length;
    const appFile = join(appsDir, `${name}.ts`);
    if (existsSync(appFile)) problems.push({ where: `apps/${name}.ts`, message: 'already exists', hint: 'choose another name, or add an overlay for the existing app' });
    const claimedBy = existsSync(appsDir) ? readdirSync(appsDir).filter((f) => f.endsWith('.ts') && new RegExp(`defineApp\\(\\s*\\{\\s*name:\\s*['"\`]${name}['"\`]`).test(readFileSync(join(appsDir, f), 'utf8'))) : [];
    if (claimedBy.length > 0 && !existsSync(appFile)) problems.push({ where: `app name "${name}"`, message: `is taken by apps/${claimedBy[0]}`, hint: 'choose another name' });
    const overlaysTaken = environments.filter((e) => existsSync(join(overlays, e, `${name}.yaml`)));
    if (overlaysTaken.length > 0) problems.push({ where: `overlays/${overlaysTaken[0]}/${name}.yaml`, message: 'already exists: an app of that name is deployed there', hint: 'choose another name' });
    if (!existsSync(indexFile)) {
      problems.push({ where: 'apps/index.ts', message: 'does not exist', hint: 'it lists every app: `export const apps: readonly AppDefinition[] = [...]`' });
    } else {
      const text = readFileSync(indexFile, 'utf8');
      const taken = problems.length > known; // reported above: the name is an existing app's
      if (!taken && new RegExp(`\\b${identifier}\\b`).test(text)) problems.push({ where: 'apps/index.ts', message: `already uses the name ${identifier}`, hint: 'choose another app name' });
      index = register(text, name, identifier);
      if (index === undefined) {
        problems.push({
          where: 'apps/index.ts',
          message: 'is not in the shape new-app edits: `import { app } from \'./app\';` lines and one `export const apps ... = [...]` list',
          hint: `add the app yourself: import { ${identifier} } from './${name}'; and ${identifier} in the list`,
        });
      }
    }
  }
  if (problems.length > 0) throw new InputError(problems);

  const fromRepo = existsSync(join(root, 'lib', 'core', 'index.ts'));
  // 'wx': never overwrite, even if a file appeared since the checks above.
  writeFileSync(join(appsDir, `${name}.ts`), appSource(name, identifier, fromRepo), { flag: 'wx' });
  writeFileSync(join(overlays, env, `${name}.yaml`), overlaySource(name, env, production), { flag: 'wx' });
  writeFileSync(indexFile, index);
  const environmentFile = join(overlays, env, 'environment.yaml');
  const declared = declareNamespace(readFileSync(environmentFile, 'utf8'), name);
  if (declared !== undefined) writeFileSync(environmentFile, declared);
  console.log(`created apps/${name}.ts (export ${identifier}), registered in apps/index.ts`);
  console.log(`created overlays/${env}/${name}.yaml${production ? ' (production: the image is a placeholder digest)' : ''}`);
  if (declared !== undefined) console.log(`declared namespace ${name} under existing.namespaces in overlays/${env}/environment.yaml (TO CONFIRM: it exists and is not this repository's, or emit a Namespace in the app)`);
  console.log(`next: replace the values marked TO CONFIRM, then npm run synth -- --app ${name} --env ${env}`);
  return EXIT.ok;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  if (error instanceof InputError) {
    console.error(`error: ${error.problems.length === 1 ? 'bad input' : `${error.problems.length} problems in the input`}; nothing was written`);
    for (const problem of error.problems) console.error(format(problem));
    process.exitCode = EXIT.badInput;
  } else {
    console.error('internal error (a bug in new-app, not in your input):');
    console.error(error instanceof Error ? error.stack : String(error));
    process.exitCode = EXIT.internal;
  }
}
