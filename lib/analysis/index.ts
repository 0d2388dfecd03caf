/**
 * The analysis: reads manifests (never the plan), simulates each layer with its upstream
 * semantics, and answers what is allowed — connectivity list, explain, diff.
 */
export * from './types';
export * from './portset';
export { AnalysisInputError, INPUT_CODES, ProblemSet, formatInputProblem, inputPath } from './errors';
export type { InputLocation, InputProblem } from './errors';
export { NAMESPACE_NAME_LABEL, WORKLOAD_KINDS, loadManifests, loadObjects } from './loader';
export type { LoadOptions, LoadedManifests, ManifestObject } from './loader';
export { checkAgainstSchema, crdKind, schemaOf } from './schema';
export type { CompactSchema, CrdKindInfo, SchemaCheck } from './schema';
export { LabelSelector } from './selector';
export type { LabelRequirement } from './selector';
export { Analysis, connectivity, diff, explain } from './engine';
export type { AddressBoundaries, AnalysisOptions, ChangedConnection, ConnectivityOptions, DiffResult, Explanation, LayerDiff, LayerPairs } from './engine';
export { OUTPUT_FORMATS, endpointLabel, formatConnectivity, formatDiff, formatExplanation, formatLayerDiff, isExternalId } from './format';
export type { FormatOptions, JsonConnection, OutputFormat } from './format';
export { AWS_SIMULATOR, CILIUM_SIMULATOR, ISTIO_SIMULATOR, KUBERNETES_SIMULATOR, SIMULATORS } from './simulators';
export { AwsSimulator, createAwsSimulator } from './simulators/aws';
export { loadCloudEndpoints, parseCloudEndpoints } from './aws-endpoints';
export { verifyAws } from './verify-aws';
export type { AwsVerifyFinding, AwsVerifyNetwork, AwsVerifyPlan, AwsVerifyReport } from './verify-aws';
export type { SimulatorRegistration } from './simulators';
export { KubernetesSimulator, createKubernetesSimulator, isKubernetesLayerObject } from './simulators/kubernetes';
export type { KubernetesSimulatorOptions } from './simulators/kubernetes';
export { CLUSTER_FACTS_FILE, MultiClusterAnalysis, clusterFactsText, clusterFolders, formatMultiClusterExplanation, loadClusters, parseClusterFacts, readClusterFacts } from './multi-cluster';
export type { AnalysedCluster, ClusterFacts, ClusterInput, ClusterSide, MultiClusterExplanation, PeerView, SideMatrix } from './multi-cluster';
export { clusterFactsOf, clusterFolderFiles } from './cluster-facts';
