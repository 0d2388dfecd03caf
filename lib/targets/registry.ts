/**
 * The built-in renderers, one per layer. A new layer is one folder under `lib/targets` and
 * one entry here.
 */
import { LayerName } from '../plan/types';
import { ciliumTarget } from './cilium';
import { clusterNetworkPolicyTarget } from './cluster-network-policy';
import { istioTarget } from './istio';
import { kubernetesTarget } from './kubernetes';
import { spireTarget } from './spire';
import { Target } from './types';

/** The built-in targets by layer. */
export const TARGETS: Readonly<Record<LayerName, Target>> = {
  'kubernetes': kubernetesTarget,
  'cluster-network-policy': clusterNetworkPolicyTarget,
  'cilium': ciliumTarget,
  'istio': istioTarget,
  'spire': spireTarget,
};
