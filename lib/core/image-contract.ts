/**
 * What a container image needs to start and keep running, as its authors built it: the facts an
 * app states once, from the image's Dockerfile, entrypoint and code at a named commit, and that
 * synth holds every pod running the image to (lib/pipeline/checks/image-contract.ts).
 */

/** A path the image's process writes. */
export interface WrittenPath {
  /** The absolute path, e.g. "/home/node" (HOME) or "/data/public". */
  readonly path: string;
  /** Its content must survive a restart: only a PersistentVolumeClaim will do. @default false */
  readonly persist?: boolean;
  /** Who writes it and why, with the upstream file, for the error message. */
  readonly why: string;
}

/** An HTTP endpoint of the image. */
export interface HttpEndpoint {
  /** The path, e.g. "/api/health/ready". */
  readonly path: string;
}

/** Properties of `ImageContract`. */
export interface ImageContractProps {
  /** The image repository without tag or digest, e.g. "ghcr.io/codeforphilly/codeforphilly-ng". */
  readonly repository: string;
  /** Where the facts come from: repository, commit and files, so a reviewer can check them. */
  readonly source: string;
  /** The uid the image runs as (its `USER`); HOME and the files it ships belong to it. */
  readonly user: number;
  /** The TCP ports the process listens on; the first is the one Services and probes use. */
  readonly ports: readonly number[];
  /** Variables the process cannot start or serve without, by name, each with the reason. @default none */
  readonly requiredEnv?: Readonly<Record<string, string>>;
  /** Paths the process writes (HOME included). Each must be a writable volume, a claim if it persists. @default none */
  readonly writes?: readonly WrittenPath[];
  /** The endpoint that answers 2xx when the process can serve traffic (readiness). */
  readonly ready: HttpEndpoint;
  /**
   * The endpoint that answers 2xx while the process itself is sound, whatever other services do
   * (liveness and startup); `tcp` when the image has none, so liveness is the port accepting.
   */
  readonly alive: HttpEndpoint | 'tcp';
  /**
   * Endpoints whose answer depends on another service (a database, an upstream), by path, with
   * which: a liveness probe there restarts every pod when that service blinks. @default none
   */
  readonly dependentEndpoints?: Readonly<Record<string, string>>;
  /** Why the image cannot run with a read-only root filesystem. @default it can */
  readonly writableRootReason?: string;
}

/**
 * The contract of one image (a value object: the facts of an image are not a Kubernetes resource).
 * Pass it to `WebService` (`contract`), which derives its port, user, probes and scratch volumes
 * from it; or `AppChart.declareImage` it for pods built any other way. Either way, every pod in
 * the app that runs the repository is held to it at synth.
 */
export class ImageContract {
  /** The image repository. */
  public readonly repository: string;
  /** The facts. */
  public readonly props: ImageContractProps;

  constructor(props: ImageContractProps) {
    this.repository = props.repository;
    this.props = props;
  }

  /** Whether `image` (with a tag and/or digest) is of this contract's repository. */
  public matches(image: string): boolean {
    return image === this.repository || image.startsWith(`${this.repository}:`) || image.startsWith(`${this.repository}@`);
  }

  /** The same facts for an image of another repository (a rebuild pushed to another registry). */
  public withRepository(repository: string): ImageContract {
    return repository === this.repository ? this : new ImageContract({ ...this.props, repository });
  }

  /** The port Services and probes use. */
  public get port(): number {
    return this.props.ports[0];
  }
}
