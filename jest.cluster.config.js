// The cluster suite (npm run test:cluster): test/cluster/*.test.ts against a real kube-apiserver,
// kube-controller-manager and kubectl built from Go modules. Not part of `npm test`, which needs
// Node alone. One file at a time: each starts its own cluster, and they share two cores.
import base from './jest.config.js';

/** @type {import('jest').Config} */
export default {
  ...base,
  roots: ['<rootDir>/test/cluster'],
  testPathIgnorePatterns: ['/node_modules/'],
  maxWorkers: 1,
  testTimeout: 120_000,
};
