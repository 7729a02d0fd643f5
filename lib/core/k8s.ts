/**
 * The Kubernetes 1.28 L1 classes that ship inside cdk8s-plus-28. Imported from the module that
 * defines them rather than the package index: the index also loads every cdk8s-plus L2
 * construct, which synth never uses and which would double its start-up time.
 */
export * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
