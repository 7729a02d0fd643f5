import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../../helpers';

/** Parses the Mermaid blocks of `files` with Mermaid itself (test/pipeline/emit/mermaid-parse.mjs). */
function parse(files: readonly string[]): Array<{ file: string; ok: boolean; type?: string; error?: string }> {
  const out = execFileSync(process.execPath, [join(__dirname, 'mermaid-parse.mjs'), ...files], { encoding: 'utf8', timeout: 60_000 });
  return out.trim().split('\n').map((line) => JSON.parse(line));
}

const readmes = readdirSync(join(ROOT, 'dist'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join(ROOT, 'dist', d.name, 'README.md'));
const picture = (env: string) => readFileSync(join(ROOT, 'dist', env, 'README.md'), 'utf8');

describe('the environment picture (dist/<env>/README.md)', () => {
  // Budget: one Node.js process that loads Mermaid and jsdom (a few seconds, more on a busy machine).
  test('every picture of every environment renders with Mermaid, and a broken one is refused', () => {
    const broken = join(mkdtempSync(join(tmpdir(), 'mermaid-')), 'README.md');
    writeFileSync(broken, '```mermaid\nflowchart LR\n  a["x" --> b\n```\n');
    const results = parse([...readmes, broken]);
    expect(results.filter((r) => r.file !== broken)).toEqual(readmes.map((file) => ({ file, index: 0, ok: true, type: 'flowchart-v2' })));
    expect(results.find((r) => r.file === broken)).toMatchObject({ ok: false, error: expect.stringContaining('Parse error') });
  }, 90_000);

  test('what the repo does not manage is drawn as external: the existing pal-e-docs Service and namespace', () => {
    const text = picture('pal-e-prod');
    expect(text).toContain('subgraph ns__pal_e_docs["namespace pal-e-docs (exists, not managed here)"]');
    expect(text).toContain('Service_pal_e_docs_pal_e_docs["Service pal-e-docs<br/><i>not managed here</i>"]');
    expect(text).toMatch(/class [^\n]*Service_pal_e_docs_pal_e_docs[^\n]* external/);
    expect(text).toContain('- operator tailscale 1.102.3');
  });

  test('who may reach what follows the NetworkPolicies: PDM admits catalyst-api only, State Hub no pod at all (operators reach it by kubectl port-forward, which the pod network never sees)', () => {
    expect(picture('openova-prod')).toContain('Client_catalyst_catalyst_api -->|"admitted"| Deployment_openova_system_pool_domain_manager');
    expect(picture('openova-prod')).toContain('Service_openova_system_pool_domain_manager -->|"NetworkPolicy: admitted sources only"| Deployment_openova_system_pool_domain_manager');
    expect(picture('railiance01-prod')).toContain('Service_railiance_apps_state_hub -.->|"blocked: its NetworkPolicy admits no one"| Deployment_railiance_apps_state_hub');
    expect(picture('railiance01-prod')).not.toMatch(/Client_\w+ -->\|"admitted"\| Deployment_railiance_apps_state_hub/);
  });

  test('which volumes and databases are backed up, and where', () => {
    expect(picture('railiance01-prod')).toContain('| CNPG Cluster databases/state-hub-db | WAL archived continuously and base backups (`state-hub-db` folder) to s3://railiance-backups/state-hub-db/state-hub-db |');
    expect(picture('cfp-prod')).toMatch(/\| PersistentVolumeClaim codeforphilly\/codeforphilly-data \(10Gi, linode-block-storage-retain\) \| not backed up by this repository/);
  });
});
