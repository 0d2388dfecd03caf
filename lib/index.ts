/**
 * Bulkhead: zero-trust micro-segmentation as code. One typed declaration, every enforcement
 * layer. The host adapters are separate entry points so that a cdk8s program needs no Pulumi
 * packages and the other way round: `bulkhead/cdk8s` and `bulkhead/pulumi`.
 */
export * from './core';
export * from './model';
export * from './plan/types';
export { buildPlan, mergePorts } from './plan/build';
export type { BuildPlanOptions } from './plan/build';
export * from './plan/pod-labels';
export { AWS_DEFAULT_QUOTAS, AWS_QUOTA_LIMITS } from './plan/cloud';
export { addressSet } from './plan/checks/addresses';
export type { AddressSet, AddressSetBlock, EmptyCidr } from './plan/checks/addresses';
export * from './targets/types';
export * from './layers/types';
export * from './layers/registry';
export * from './synth';
export * from './gitops';
export * from './analysis';
export * from './verify';
export * from './drift';
export * from './templates';
