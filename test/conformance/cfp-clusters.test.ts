import { join } from 'node:path';
import { loadEnvironment } from '../../lib/pipeline/engine/overlay';
import { ROOT } from '../helpers';
import { conformance, mainContainer, type Manifests, type UpstreamSource } from './record';

/**
 * The CodeForPhilly clusters as they are, and codeforphilly-ng where its authors run it in each:
 * the sandbox cluster's gateway topology (CodeForPhilly/cfp-sandbox-cluster @6e8e707), the
 * namespace, hosts and pushed tags of each environment (CodeForPhilly/codeforphilly-ng @930d035),
 * and the Envoy Gateway and cert-manager behaviour that makes them matter (issue 30, items 1-3).
 */
const cluster = (...files: string[]): UpstreamSource => ({ repository: 'CodeForPhilly/cfp-sandbox-cluster', commit: '6e8e707', files });
const ng = (...files: string[]): UpstreamSource => ({ repository: 'CodeForPhilly/codeforphilly-ng', commit: '930d035', files });
const envoyGateway = (...files: string[]): UpstreamSource => ({ repository: 'envoyproxy/gateway', commit: 'v1.9.0', files });
const certManager = (...files: string[]): UpstreamSource => ({ repository: 'cert-manager/cert-manager', commit: 'v1.21.1', files });

const environment = (name: string) => loadEnvironment(join(ROOT, 'overlays'), name, 'overlays');
const listenersOf = (m: Manifests) => (m.one('Gateway').spec.listeners as Array<Record<string, unknown>>).map((l) => `${String(l.protocol)}/${String(l.port)}/${String(l.hostname ?? '')}`);
const routeHostnames = (m: Manifests) => m.one('HTTPRoute', 'codeforphilly').spec.hostnames as string[];
const tagOf = (m: Manifests) => /:([\w][\w.-]*)(@|$)/.exec(mainContainer(m).container.image as string)?.[1];

/** The other teams' Gateways on the sandbox's merged Envoy: every one an HTTPS listener on 443 (_gateways/*.yaml). */
const OTHER_TEAMS = {
  'balancer/balancer': 'balancer.sandbox.k8s.phl.io',
  'code-for-philly/latest': 'latest.codeforphilly.sandbox.k8s.phl.io',
  'choose-native-plants/choose-native-plants': 'choose-native-plants.sandbox.k8s.phl.io',
  'echo-http/echo-http': 'echo-http.sandbox.k8s.phl.io',
  'grafana/grafana': 'metrics.sandbox.k8s.phl.io',
  'laddr/latest': 'latest.laddr.sandbox.k8s.phl.io',
  'metabase/metabase': 'metabase.sandbox.k8s.phl.io',
  'paws-data-pipeline/paws-data-pipeline': 'paws-data-pipeline.sandbox.k8s.phl.io',
  'prevention-point/prevention-point': 'prevention-point.sandbox.k8s.phl.io',
  'sealed-secrets/sealed-secrets': 'sealed-secrets.sandbox.k8s.phl.io',
};

conformance('the CodeForPhilly sandbox cluster', [['cfp-sandbox', 'codeforphilly']], [
  {
    source: cluster('_infra/envoy-gateway/envoyproxy.yaml', '_infra/envoy-gateway/gatewayclass.yaml'),
    says: 'GatewayClass eg takes EnvoyProxy envoy-gateway-system/shared, which sets mergeGateways: true (every eg Gateway on one Envoy)',
    holds: (m) => {
      expect(environment('cfp-sandbox').gateway).toMatchObject({ className: 'eg', mergeGateways: true });
      expect(m.one('Gateway').spec.gatewayClassName).toBe('eg');
    },
  },
  {
    source: cluster('_infra/envoy-gateway/main-gateway.yaml', '_infra/envoy-gateway/http-redirect.yaml'),
    says: 'main-gateway (envoy-gateway-system) listens on HTTP 80 for every hostname; http-redirect, with no hostnames, answers it with a 301 to https',
    holds: (m) => {
      const env = environment('cfp-sandbox');
      expect(env.gateway?.httpsRedirect).toBe('envoy-gateway-system/main-gateway');
      expect(env.existing?.gateways).toContainEqual(expect.objectContaining({ namespace: 'envoy-gateway-system', name: 'main-gateway', listeners: [{ name: 'http', protocol: 'HTTP', port: 80 }] }));
      // The cluster redirects: the app adds no port-80 listener and no redirect route of its own.
      expect(listenersOf(m).filter((l) => l.startsWith('HTTP/'))).toEqual([]);
      expect(m.all('HTTPRoute').map((r) => r.metadata.name)).toEqual(['codeforphilly']);
    },
  },
  {
    source: [
      cluster('_infra/cert-manager/issuers.yaml'),
      certManager('pkg/issuer/acme/http/httproute.go generateHTTPRouteSpec'),
      envoyGateway('internal/xds/translator/translator.go addRouteToRouteConfig', 'internal/gatewayapi/helpers.go computeHosts'),
    ],
    says: 'letsencrypt-prod solves HTTP-01 with a route per challenge (hostname = the certificate\'s) on main-gateway; a second port-80 virtual host for that domain on the merged Envoy makes Envoy refuse the route table',
    holds: (m) => {
      expect(environment('cfp-sandbox').gateway?.acmeHttp01).toBe('envoy-gateway-system/main-gateway');
      expect(m.one('Gateway').metadata.annotations['cert-manager.io/cluster-issuer']).toBe('letsencrypt-prod');
      expect(listenersOf(m).some((l) => l.startsWith('HTTP/80/'))).toBe(false);
    },
  },
  {
    source: cluster('_gateways/codeforphilly-ng.yaml'),
    says: 'Gateway codeforphilly in codeforphilly-rewrite-sandbox: one HTTPS listener, 443, next-v2.codeforphilly.org, TLS Secret codeforphilly-gw-tls, routes from the same namespace',
    holds: (m) => {
      const gateway = m.one('Gateway');
      expect(gateway.metadata).toMatchObject({ name: 'codeforphilly', namespace: 'codeforphilly-rewrite-sandbox' });
      expect(listenersOf(m)).toEqual(['HTTPS/443/next-v2.codeforphilly.org']);
      expect(gateway.spec.listeners[0]).toMatchObject({ allowedRoutes: { namespaces: { from: 'Same' } }, tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: 'codeforphilly-gw-tls' }] } });
    },
  },
  {
    source: [
      cluster(...['balancer', 'cfp-latest', 'choose-native-plants', 'echo-http', 'grafana', 'laddr-latest', 'metabase', 'paws-data-pipeline', 'prevention-point', 'sealed-secrets'].map((f) => `_gateways/${f}.yaml`)),
      envoyGateway('internal/gatewayapi/validate.go validateConflictedMergedListeners', 'internal/gatewayapi/resource/resource.go Sort'),
    ],
    says: 'ten other Gateways on the merged Envoy each claim HTTPS 443 for one hostname; a second claim of one is Conflicted unless it is the oldest',
    holds: (m) => {
      const declared = environment('cfp-sandbox').existing?.gateways ?? [];
      for (const [id, hostname] of Object.entries(OTHER_TEAMS)) {
        expect(declared).toContainEqual(expect.objectContaining({ namespace: id.split('/')[0], name: id.split('/')[1], listeners: [{ name: 'https', protocol: 'HTTPS', port: 443, hostname }] }));
        expect(listenersOf(m)).not.toContain(`HTTPS/443/${hostname}`);
      }
    },
  },
  {
    source: [ng('deploy/kustomize/overlays/sandbox/kustomization.yaml', 'deploy/kustomize/overlays/sandbox/namespace.yaml'), cluster('codeforphilly-ng/app/kustomization.yaml', 'codeforphilly-ng/app/namespace.yaml')],
    says: 'the sandbox runs in namespace codeforphilly-rewrite-sandbox, at next-v2.codeforphilly.org',
    holds: (m) => {
      expect(m.one('Namespace').metadata.name).toBe('codeforphilly-rewrite-sandbox');
      for (const o of m.objects.filter((x) => x.kind !== 'Namespace')) expect(`${String(o.kind)} ${String(o.metadata.namespace)}`).toBe(`${String(o.kind)} codeforphilly-rewrite-sandbox`);
      expect(routeHostnames(m)).toEqual(['next-v2.codeforphilly.org']);
    },
  },
  {
    source: ng('deploy/kustomize/base/pvc-data.yaml', 'deploy/kustomize/base/pvc-private.yaml'),
    says: 'the claims it runs on: codeforphilly-data 10Gi and codeforphilly-private 1Gi (a claim\'s request cannot shrink)',
    holds: (m) => {
      expect(m.one('PersistentVolumeClaim', 'codeforphilly-data').spec.resources.requests.storage).toBe('10Gi');
      expect(m.one('PersistentVolumeClaim', 'codeforphilly-private').spec.resources.requests.storage).toBe('1Gi');
    },
  },
  {
    source: ng('docs/operations/sandbox-deploy.md', 'deploy/kustomize/overlays/sandbox/kustomization.yaml'),
    says: 'the sandbox image is ghcr.io/codeforphilly/codeforphilly-ng:sandbox, built and pushed by hand (no workflow pushes it)',
    holds: (m) => {
      expect(mainContainer(m).container.image).toBe('ghcr.io/codeforphilly/codeforphilly-ng:sandbox');
      expect(environment('cfp-sandbox').publishedImages?.['ghcr.io/codeforphilly/codeforphilly-ng']).toMatchObject({ tags: ['sandbox'] });
    },
  },
]);

conformance('codeforphilly-ng in staging', [['cfp-staging', 'codeforphilly']], [
  {
    source: ng('.github/workflows/deploy-staging.yml'),
    says: 'CI pushes sha-${GITHUB_SHA::12} and staging-latest (never :staging)',
    holds: (m) => {
      expect(tagOf(m)).toMatch(/^(staging-latest|sha-[0-9a-f]{12})$/);
      expect(environment('cfp-staging').publishedImages?.['ghcr.io/codeforphilly/codeforphilly-ng']).toMatchObject({ tags: ['staging-latest'], tagPatterns: ['sha-[0-9a-f]{12}'] });
    },
  },
  {
    source: [ng('.github/workflows/deploy-staging.yml', 'deploy/charts/codeforphilly/values.staging.yaml')],
    says: 'helm --namespace codeforphilly-staging; host codeforphilly-rewrite-staging.k8s.phl.io',
    holds: (m) => {
      expect(m.one('Namespace').metadata.name).toBe('codeforphilly-staging');
      expect(routeHostnames(m)).toEqual(['codeforphilly-rewrite-staging.k8s.phl.io']);
    },
  },
]);

conformance('codeforphilly-ng in production', [['cfp-prod', 'codeforphilly']], [
  {
    source: ng('.github/workflows/deploy-production.yml'),
    says: 'a git tag v*.*.* pushes the image under that tag and production-latest; helm --namespace codeforphilly',
    holds: (m) => {
      expect(tagOf(m)).toMatch(/^v.*\..*\..*$/);
      expect(m.one('Namespace').metadata.name).toBe('codeforphilly');
    },
  },
  {
    source: ng('deploy/charts/codeforphilly/values.production.yaml'),
    says: 'hosts codeforphilly.org and www.codeforphilly.org, on one certificate',
    holds: (m) => {
      expect(routeHostnames(m)).toEqual(['codeforphilly.org', 'www.codeforphilly.org']);
      expect(listenersOf(m).filter((l) => l.startsWith('HTTPS/'))).toEqual(['HTTPS/443/codeforphilly.org', 'HTTPS/443/www.codeforphilly.org']);
    },
  },
], [
  {
    upstream: 'values.production.yaml storage.backend: s3 (S3_ENDPOINT and the bucket "populated at provisioning time")',
    why: 'no production bucket is provisioned, and with s3 and no S3_ENDPOINT the image exits at boot; the private store stays on its claim until a bucket exists',
    stillRuns: (m) => {
      const env = m.one('ConfigMap', 'codeforphilly-env').data as Record<string, string>;
      expect(env.STORAGE_BACKEND).toBe('filesystem');
      expect(mainContainer(m).container.volumeMounts).toContainEqual(expect.objectContaining({ mountPath: env.CFP_PRIVATE_STORAGE_PATH }));
    },
  },
]);
