export * from './peer';
export * from './topology';
export * from './cluster';
export * from './external';
export * from './tier';
export * from './workload';
export * from './domain';
export * from './break-glass';
