export * from './calls';
export * from './client';
export * from './directory';
export * from './errors';
export * from './events';
export * from './methods';
export * from './shell';
export * from './sync';
