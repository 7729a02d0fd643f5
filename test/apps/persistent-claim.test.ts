import { PersistentClaim, type PersistentClaimProps } from '../../lib/apps/persistent-claim';
import { ARGOCD_SYNC_OPTIONS, PROTECTED_SYNC_OPTIONS } from '../../lib/core/argocd-sync';
import type { Environment } from '../../lib/core/environment';
import { only, problemsOf, render, testChart, testEnvironment } from '../helpers';

function claim(props: Partial<PersistentClaimProps> = {}, environment?: Environment) {
  const chart = testChart({ environment });
  new PersistentClaim(chart, 'data', { name: 'gitea-data', size: '10Gi', ...props });
  return chart;
}
const errorsOf = (props: Partial<PersistentClaimProps>, environment?: Environment) => problemsOf(() => render(claim(props, environment))).join('\n');

describe('PersistentClaim', () => {
  test('emits a ReadWriteOnce claim of the size, on the environment\'s StorageClass, that no sync prunes or deletes', () => {
    const pvc = only(render(claim()), 'PersistentVolumeClaim', 'gitea-data');
    expect(pvc.spec).toEqual({ accessModes: ['ReadWriteOnce'], storageClassName: 'standard', resources: { requests: { storage: '10Gi' } } });
    expect(pvc.metadata.annotations[ARGOCD_SYNC_OPTIONS]).toBe(PROTECTED_SYNC_OPTIONS);
    expect(pvc.metadata.labels['app.kubernetes.io/component']).toBe('data');
  });

  test('takes an access mode and a StorageClass when given', () => {
    const environment = testEnvironment({ existing: { storageClasses: { nfs: { accessModes: ['ReadWriteMany'] }, standard: { accessModes: ['ReadWriteOnce'] } } } });
    const pvc = only(render(claim({ accessMode: 'ReadWriteMany', storageClass: 'nfs' }, environment)), 'PersistentVolumeClaim');
    expect(pvc.spec).toMatchObject({ accessModes: ['ReadWriteMany'], storageClassName: 'nfs' });
  });

  describe('refuses', () => {
    test('a negative or zero size, or one that is not a quantity', () => {
      expect(errorsOf({ size: '-10Gi' })).toMatch(/claim gitea-data: spec.resources.requests.storage "-10Gi" must be larger than zero/);
      expect(errorsOf({ size: '0' })).toMatch(/claim gitea-data: spec.resources.requests.storage "0" must be larger than zero/);
      expect(errorsOf({ size: 'ten gigs' })).toMatch(/claim gitea-data: spec.resources.requests.storage "ten gigs" is not a Kubernetes quantity; write e.g. "10Gi"/);
    });

    test('no StorageClass, in the props or the environment', () => {
      expect(errorsOf({}, testEnvironment({ storageClass: undefined }))).toMatch(/claim gitea-data has no StorageClass: set storageClass, or storageClass in environment test-sandbox's overlays\/test-sandbox\/environment.yaml/);
    });

    test('what the environment\'s StorageClasses do not provide, with the message of the reference check', () => {
      const environment = testEnvironment({ existing: { storageClasses: { standard: { accessModes: ['ReadWriteOnce'], maxSize: '1Ti' } } } });
      expect(errorsOf({ accessMode: 'ReadWriteMany' }, environment)).toMatch(/claim gitea-data asks ReadWriteMany of StorageClass "standard", which provides ReadWriteOnce only: the claim would stay Pending/);
      expect(errorsOf({ size: '2Ti' }, environment)).toMatch(/claim gitea-data asks 2Ti of StorageClass "standard", larger than the 1Ti it provisions/);
      expect(errorsOf({ storageClass: 'fast' }, environment)).toMatch(/claim gitea-data asks StorageClass "fast", which overlays\/test-sandbox\/environment.yaml does not list under existing.storageClasses \(allowed: standard\)/);
    });
  });
});
