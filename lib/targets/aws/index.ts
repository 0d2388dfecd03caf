/**
 * The `aws` layer: security groups and their standalone rules for the cloud endpoints of a
 * network, as host-neutral resources, Crossplane manifests, and EKS SecurityGroupPolicies.
 */
export * from './types';
export * from './addresses';
export * from './quota';
export * from './render';
export * from './crossplane';
export * from './security-group-policy';
export * from './manifests';
export * from './target';
