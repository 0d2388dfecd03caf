/**
 * `bulkhead infer`: a declaration from observed traffic. Reads Cilium Hubble flows, Istio/Envoy
 * JSON access logs and AWS VPC flow logs one line at a time, maps their ends to the workloads of
 * the input manifests, aggregates the distinct flows, and writes a TypeScript declaration
 * program that allows exactly them; or compares them with an existing declaration.
 */
import { BulkheadError } from '../core/errors';
import { Aggregator, AggregatorOptions, Inference } from './aggregate';
import { InventoryOptions, loadInventory, ManifestSource } from './inventory';
import { FlowFormat } from './types';

export * from './types';
export * from './formats';
export * from './paths';
export * from './inventory';
export * from './aggregate';
export * from './generate';
export * from './against';

/** Options of {@link inferFromFiles}. */
export interface InferOptions extends InventoryOptions, AggregatorOptions {
  /** Where the manifests of each cluster are. @default - none: every in-cluster address is unmapped */
  readonly manifests?: readonly ManifestSource[];
  /** The format of every log file. @default - detected per file from its first record */
  readonly format?: FlowFormat;
}

/**
 * Reads the flow-log files (streamed) and the manifests, and aggregates the observed flows.
 * Throws a {@link BulkheadError} with every problem (malformed lines as `file:line`, unknown
 * formats, unreadable manifests) when there is one; warnings are in the result.
 *
 * @example
 * const inference = inferFromFiles(['hubble.jsonl'], { manifests: [{ cluster: 'eks', path: 'k8s/' }], podCidrs: { eks: ['10.20.0.0/16'] } });
 * fs.writeFileSync('inferred.ts', generateProgram(inference));
 */
export function inferFromFiles(files: readonly string[], options: InferOptions = {}): Inference {
  const inventory = loadInventory(options.manifests ?? [], options);
  if (inventory.problems.some((p) => p.severity === 'error')) throw new BulkheadError(inventory.problems, `${inventory.problems.length} problem(s) in the manifests:`);
  const agg = new Aggregator(inventory, options);
  for (const f of files) agg.file(f, options.format);
  const errors = agg.errors();
  if (errors.length > 0) throw new BulkheadError(errors, `${errors.length} problem(s) in the flow logs:`);
  return agg.result();
}
