export * from './server';
export * from './faults';
export * from './jpeg';
export * from './pages';
export * from './webhook';
export * from './latency';
export * from './mp4';
