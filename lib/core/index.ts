export * from './errors';
export * from './port';
export * from './cidr';
export * from './duration';
export * from './identity';
export * from './names';
export * from './sensitivity';
export * from './hash';
