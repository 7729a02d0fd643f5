import { ApiObject, App, Chart } from 'cdk8s';
import { Type, type Static, type TObject, type TProperties } from '@sinclair/typebox';
import type { Construct, IConstruct } from 'constructs';
import { checkDnsLabel } from './dns';
import { UserError } from './errors';
import type { Environment } from './environment';
import type { ImageContract } from './image-contract';
import { recommendedLabels, selectorLabels, type AppIdentity } from './labels';
import { dnsLabel } from './values';

/** Keys every app overlay has, whatever the app. */
export const AppBaseValues = Type.Object({
  namespace: dnsLabel({ description: 'the namespace the app deploys into, a DNS label' }),
});

/** A deployable app: what `apps/<name>.ts` exports and the synth pipeline runs per environment. */
export interface AppDefinition<P extends TProperties = TProperties> {
  /** The app's name: its overlay file is `overlays/<env>/<name>.yaml`, its output `dist/<env>/<name>/`. */
  readonly name: string;
  /** One sentence on what the app deploys. */
  readonly description: string;
  /** The larger system the app belongs to (`app.kubernetes.io/part-of`). @default the app's name */
  readonly partOf?: string;
  /**
   * `platform` for shared services other apps depend on (databases): ArgoCD syncs them before
   * the `application` layer.
   * @default "application"
   */
  readonly layer?: 'platform' | 'application';
  /** The schema of the app's overlay values, besides `namespace`. */
  readonly values: TObject<P>;
  /** Composes the app's constructs in its chart from validated overlay values. */
  build(chart: AppChart, values: Static<TObject<P>> & Static<typeof AppBaseValues>): void;
}

/** Declares an app; a typed identity function so `build` sees its values' type. */
export function defineApp<P extends TProperties>(definition: AppDefinition<P>): AppDefinition<P> {
  const problem = checkDnsLabel(definition.name);
  if (problem) throw new Error(`app name "${definition.name}" ${problem}`);
  return definition;
}


/** A value that must be unique across all apps of one environment, e.g. a public hostname. */
export interface Claim {
  /** What is claimed, e.g. "hostname". */
  readonly kind: string;
  /** The claimed value, e.g. the hostname itself. */
  readonly value: string;
  /** The construct path that claims it. */
  readonly path: string;
}

/** Properties for `AppChart`. */
export interface AppChartProps {
  /** The environment the chart is synthesized for: its facts give constructs their defaults. */
  readonly environment: Environment;
  /** The app the chart holds: its name names the chart and labels every object. */
  readonly app: AppDefinition;
  /** The app's namespace: the default for every namespaced object. */
  readonly namespace: string;
  /** The overlay file the app's values came from, for error messages. */
  readonly overlayFile: string;
}

/**
 * The chart of one app in one environment. It knows the environment's facts, labels objects
 * with the recommended labels, and refuses implicit object names: every object is named by its
 * construct, never by a hash of its construct path.
 */
export class AppChart extends Chart {
  /** Returns the AppChart a construct belongs to. */
  public static of(construct: IConstruct): AppChart {
    const chart = Chart.of(construct);
    if (chart instanceof AppChart) return chart as AppChart;
    throw new Error(`${construct.node.path} is not inside an AppChart`);
  }

  /** The environment this chart is synthesized for. */
  public readonly environment: Environment;
  /** The app's name, instance (`<app>-<stage>`) and part-of: what every object is labelled with. */
  public readonly identity: AppIdentity;
  /** The overlay file the app's values came from, relative to the project root, for messages. */
  public readonly overlayFile: string;
  private readonly claims: Claim[] = [];
  private readonly contracts: ImageContract[] = [];

  constructor(scope: App, props: AppChartProps) {
    super(scope, props.app.name, { namespace: props.namespace });
    this.environment = props.environment;
    this.overlayFile = props.overlayFile;
    this.identity = {
      name: props.app.name,
      instance: `${props.app.name}-${props.environment.stage}`,
      partOf: props.app.partOf ?? props.app.name,
    };
  }

  /** Recommended labels for an object of `component`. */
  public labelsFor(component: string): Record<string, string> {
    return recommendedLabels(this.identity, component);
  }

  /** The stable labels that select `component`'s pods. */
  public selectorFor(component: string): Record<string, string> {
    return selectorLabels(this.identity, component);
  }

  /** Records that `scope` takes `value` of `kind`; synth rejects two claims on one value per environment. */
  public claim(scope: Construct, kind: string, value: string): void {
    this.claims.push({ kind, value, path: scope.node.path });
  }

  /**
   * Declares what an image needs (`ImageContract`): every pod of this chart that runs its
   * repository is held to it at synth, however it was built. `WebService` declares its own.
   */
  public declareImage(contract: ImageContract): void {
    if (!this.contracts.some((c) => c.repository === contract.repository)) this.contracts.push(contract);
  }

  /** The image contracts declared in this chart. */
  public get imageContracts(): readonly ImageContract[] {
    return this.contracts;
  }

  /** The claims made in this chart. */
  public get claimed(): readonly Claim[] {
    return this.claims;
  }

  /** Implicit names would be hashes of construct paths, which change on refactor: refuse them. */
  public override generateObjectName(apiObject: ApiObject): string {
    throw new UserError({
      where: apiObject.node.path,
      message: `${apiObject.kind} has no metadata.name; every object needs an explicit name`,
      hint: 'give it an explicit metadata.name: cdk8s would name it after a hash of its construct path, which changes whenever the code is refactored',
    });
  }
}
