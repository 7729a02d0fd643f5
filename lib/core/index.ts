/**
 * The core of the library, what every construct shares: apps and their charts, environments,
 * image contracts, names and labels, values, quantities, DNS names, errors, the Kubernetes L1
 * classes and references to existing resources. It imports nothing above it.
 *
 * @packageDocumentation
 */
export { AppBaseValues, AppChart, defineApp, type AppChartProps, type AppDefinition, type Claim } from './app';
export {
  ARGOCD_HOOK,
  ARGOCD_HOOK_DELETE_POLICY,
  ARGOCD_SYNC_OPTIONS,
  ARGOCD_SYNC_WAVE,
  PROTECTED_SYNC_OPTIONS,
  SYNC_WAVE,
  syncWaveOf,
} from './argocd-sync';
export {
  DELIVERY_ANNOTATION_PREFIX,
  deliveryEngineOf,
  FLUX_FORCE,
  FLUX_FORCE_ENABLED,
  FLUX_PRUNE,
  FLUX_PRUNE_DISABLED,
  preDeployJobAnnotations,
  protectFromPrune,
  type DeliveryEngine,
} from './delivery';
export { podPeerFromKplus, serviceRefFromKplus } from './cdk8s-plus';
export { checkDns1035Label, checkDnsLabel, checkDnsSubdomain, checkHostname, DNS1035_LABEL_PATTERN, DNS_LABEL_PATTERN } from './dns';
export { declaredClient, EnvironmentSchema, ExistingSchema, OPERATORS, type Environment, type EnvironmentValues, type ExistingValues, type OperatorFacts, type OperatorName } from './environment';
export { formatProblems, UserError, type Problem } from './errors';
export { compareMinors, INTRODUCED_APIS, KUBERNETES_MINORS, OLDEST_MINOR, REMOVED_APIS, removedApi, VALIDATED_MINOR, type RemovedApi } from './kubernetes-releases';
export { imagePolicy, parseImage, type ImageReference } from './image';
export {
  clusterRedirectsHttp, ExistingGatewaySchema, ExistingListenerSchema, GatewayEnvironmentSchema,
  type ExistingGateway, type ExistingListener, type GatewayEnvironment, type GatewayFacts,
} from './gateway-topology';
export { PublishedImageSchema, PublishedImagesSchema, unpublishedTagProblem, type PublishedImage, type PublishedImages } from './published-images';
export { ImageContract, type HttpEndpoint, type ImageContractProps, type WrittenPath } from './image-contract';
export { k8s } from './k8s';
export type { GroupKind } from './kinds';
export { appPodLabels, checkLabel, LABEL, MANAGED_BY, recommendedLabels, selectorLabels, type AppIdentity } from './labels';
export { Connections, networkPolicyPeer, podPeerOf, tcpPort, type ConnectionsProps, type IConnectable, type NetworkPeer, type PodPeer } from './network-peer';
export { checkResources, checkSize, multiplyQuantity, parseQuantity, type ResourceAmounts, type ResourceRequirements } from './quantity';
export { checkProps, IMAGE_CONTRACT_SHAPE, NETWORK_PEER_SHAPE, oneOf, POD_PEER_SHAPE, propProblems, propsShape, referenceShape, SECRET_SOURCE_SHAPE, SERVICE_REF_SHAPE, stringList, stringMap, valueShape, type PropsShape, type ReferenceOptions } from './prop-shape';
export { lacksKey, secretKeyMessage, secretKeyProblem, SecretSource, type ISecretSource, type SecretAttributes, type SecretKeyProblem } from './secret-source';
export { checkServicePort, findServicePort, ServiceRef, type ExistingServiceAttributes, type IServiceRef, type ServiceAttributes, type ServicePortRef } from './service-ref';
export { ACCESS_MODES, SINGLE_WRITER_FIX, SINGLE_WRITER_JOB_FIX, singleWriterProblem, storageClassProblems, type AccessMode, type ClaimProblem, type ClaimRequest, type ClaimWriter } from './volume-claim';
export { CRONJOB_NAME_MAX, CRONJOB_SCHEDULE_FORM, cronJobNameProblem, cronJobScheduleProblem, timeZoneProblem } from './cron-schedule';
export { dnsLabel, dnsSubdomain, labelMap, portNumber, quantity, serviceName } from './values';
/**
 * TypeBox, which app values schemas are written with: the library's own copy, so an app's schema
 * and the library's building blocks (`dnsLabel`, `CnpgDatabaseValues`, ...) are one TypeBox.
 */
export { Type, type Static } from '@sinclair/typebox';
