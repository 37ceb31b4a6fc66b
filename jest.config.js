/** Native-ESM jest: @actions/* are ESM-only, so tests run under --experimental-vm-modules. */
export default {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  testMatch: ['**/__tests__/**/*.test.ts'],
  clearMocks: true,
  // Each database test file starts its own PostgreSQL; two cores fit two at a time.
  maxWorkers: 2,
  testTimeout: 60000,
  collectCoverageFrom: ['./src/**'],
};
