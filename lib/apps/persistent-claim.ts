import { Type } from '@sinclair/typebox';
import { Construct } from 'constructs';
import { checkProps, oneOf, propsShape } from '../core/prop-shape';
import { AppChart } from '../core/app';
import { protectFromPrune } from '../core/delivery';
import { checkDnsSubdomain } from '../core/dns';
import { k8s } from '../core/k8s';
import { ACCESS_MODES, checkVolumeClaims, storageClassProblems, type AccessMode } from '../core/volume-claim';

/** What a persistent volume holds and how it is provisioned: the part of a claim an app states. */
export interface PersistentClaimOptions {
  /** The storage requested, a quantity larger than zero such as "10Gi". */
  readonly size: string;
  /**
   * How the volume may be mounted. ReadWriteOnce (one node at a time) is what block storage
   * provides; a workload writing it runs one pod, with the Recreate strategy (policy rule single-writer).
   * @default "ReadWriteOnce"
   */
  readonly accessMode?: AccessMode;
  /** The StorageClass that provisions it. @default the environment's `storageClass` */
  readonly storageClass?: string;
}

/** Properties for `PersistentClaim`. */
export interface PersistentClaimProps extends PersistentClaimOptions {
  /** The claim's name, a DNS subdomain, in the app's namespace. */
  readonly name: string;
  /** The `app.kubernetes.io/component` label. @default "data" */
  readonly component?: string;
}

/** The shape of `PersistentClaimProps`, checked at run time (lib/core/prop-shape.ts). */
export const PERSISTENT_CLAIM_PROPS_SHAPE = propsShape<PersistentClaimProps>('the props of a PersistentClaim', {
  name: Type.String(),
  size: Type.String({ description: 'a Kubernetes quantity string such as "10Gi"' }),
  accessMode: Type.Optional(oneOf(ACCESS_MODES)),
  storageClass: Type.Optional(Type.String()),
  component: Type.Optional(Type.String()),
});

/**
 * A PersistentVolumeClaim whose size is a positive quantity, whose StorageClass comes from the
 * environment and provides its access mode and size (`existing.storageClasses`), and which no
 * ArgoCD sync or Application deletion removes (`Prune=false,Delete=false`): the volume outlives
 * every change to the app until a human deletes it.
 */
export class PersistentClaim extends Construct {
  /** The claim's name, for a pod's `persistentVolumeClaim.claimName`. */
  public readonly name: string;
  /** Its access mode. */
  public readonly accessMode: AccessMode;
  /** Its StorageClass, when the props or the environment name one. */
  public readonly storageClass?: string;
  /** The storage it requests. */
  public readonly size: string;

  constructor(scope: Construct, id: string, props: PersistentClaimProps) {
    super(scope, id);
    checkProps(this, PERSISTENT_CLAIM_PROPS_SHAPE, props);
    const chart = AppChart.of(this);
    const environment = chart.environment;
    this.name = props.name;
    this.accessMode = props.accessMode ?? 'ReadWriteOnce';
    this.storageClass = props.storageClass ?? environment.storageClass;
    this.size = props.size;

    this.node.addValidation({
      validate: () => {
        const errors: string[] = [];
        const nameProblem = checkDnsSubdomain(props.name);
        if (nameProblem) errors.push(`claim name "${props.name}" ${nameProblem}`);
        // Kubernetes' own claim rules (size, access modes), the ones the volume-claim rule holds every rendered claim to.
        errors.push(...checkVolumeClaims(claim.toJson()).map((e) => `claim ${props.name}: ${e}`));
        if (!this.storageClass) {
          errors.push(`claim ${props.name} has no StorageClass: set storageClass, or storageClass in environment ${environment.name}'s ${environment.file}`);
        } else {
          // The check the environment's reference rule holds every rendered claim to, early.
          for (const p of storageClassProblems(environment, { storageClass: this.storageClass, accessModes: [this.accessMode], size: props.size })) {
            errors.push(`claim ${props.name} ${p.message}${p.allowed ? ` (allowed: ${p.allowed})` : ''}${p.hint ? `; ${p.hint}` : ''}`);
          }
        }
        return errors;
      },
    });

    const claim = new k8s.KubePersistentVolumeClaim(this, 'Resource', {
      metadata: { name: props.name, labels: chart.labelsFor(props.component ?? 'data') },
      spec: {
        accessModes: [this.accessMode],
        storageClassName: this.storageClass ?? '',
        resources: { requests: { storage: k8s.Quantity.fromString(props.size) } },
      },
    });
    protectFromPrune(claim);
  }
}
