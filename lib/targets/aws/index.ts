/**
 * The `aws` layer: security groups and their standalone rules for the cloud endpoints of a
 * network, as host-neutral resources, Crossplane manifests, EKS SecurityGroupPolicies, and the
 * admission of VM fleets' SPIRE agents into their SPIRE server's pods.
 */
export * from './types';
export * from './addresses';
export * from './quota';
export * from './render';
export * from './crossplane';
export * from './security-group-policy';
export * from './manifests';
export * from './target';
export * from './spire-server';
