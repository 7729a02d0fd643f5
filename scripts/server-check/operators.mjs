// The operators check of one environment (docs/server-check.md, "Operators"; stage 3 of the
// function check), as `npm run diff` (upgrade.mjs --function) and `cdk8s-constructs server-check
// --function` run it: cert-manager's controllers issuing the Gateways' certificates
// (certmanager.mjs), Envoy Gateway's translator over the Gateway API objects (gateway.mjs) and
// the CloudNativePG operator with its webhooks beside a function plane (cnpg.mjs), each where its
// binary is built (`SERVER_CHECK_OPERATORS=build npm run test:server` builds them; a cold build
// takes many minutes, so nothing here builds them). test/apiserver/operators-check.test.mjs runs
// the same parts with their controls.
import { spawnSync } from 'node:child_process';
import { cnpgClustersOf, judgeCnpgEnvironment } from './cnpg.mjs';
import { ControlPlaneUnavailable, ensureBinary } from './control-plane.mjs';
import { issueCertificates } from './certmanager.mjs';
import { certificatesWanted, hasGatewayApi, judgeGateways } from './gateway.mjs';

/**
 * The operators' binaries that are built here ({ egctl?, cnpg?, certmanager? }), and why each missing one is
 * missing ({ skipped: [reason] }). The CloudNativePG operator also needs a network namespace of its
 * own (`unshare -n`): it must not dial a pod IP.
 */
export async function operatorBinaries(env = process.env) {
  const found = { skipped: [] };
  if (env.SERVER_CHECK_OPERATORS === 'off') return { skipped: ['SERVER_CHECK_OPERATORS=off'] };
  for (const target of ['egctl', 'cnpg', 'certmanager']) {
    try {
      found[target] = (await ensureBinary({ target, build: false, log: () => {} })).path;
    } catch (error) {
      if (!(error instanceof ControlPlaneUnavailable)) throw error;
      found.skipped.push(`${target}: ${error.message}`);
    }
  }
  if (found.cnpg && spawnSync('unshare', ['-n', '--', 'ip', 'link', 'set', 'lo', 'up'], { stdio: 'ignore' }).status !== 0) {
    delete found.cnpg;
    found.skipped.push('cnpg: `unshare -n` (with `ip`) cannot make a network namespace here');
  }
  return found;
}

/**
 * The operators' verdicts on one environment: { verdicts, refused } where each verdict is
 * { manifest, healthy, summary, reason } as function.mjs formats them, and `refused` the Clusters
 * the CloudNativePG webhooks refused. `binaries`: { apiserver, kwok } and what operatorBinaries found.
 */
export async function operatorsCheckEnvironment({ binaries, facts, crds, manifests }) {
  const verdicts = [];
  const refused = [];
  if (binaries.egctl && hasGatewayApi(manifests)) {
    // The certificates: issued by cert-manager's own controllers where the runner is built, else
    // openssl stand-ins for what gateway.mjs certificatesWanted predicts.
    const issued = binaries.certmanager ? await issueCertificates({ binaries, manifests, facts, crds, expected: certificatesWanted(manifests, facts) }) : undefined;
    verdicts.push(...judgeGateways(binaries.egctl, manifests, facts, { issued }).verdicts);
  }
  if (binaries.cnpg && cnpgClustersOf(manifests).length > 0) {
    const outcome = await judgeCnpgEnvironment({ binaries, facts, crds, manifests });
    verdicts.push(...outcome.verdicts);
    refused.push(...outcome.refused);
  }
  return { verdicts, refused };
}
