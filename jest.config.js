/** Jest runs the TypeScript sources through ts-jest without type-checking (npm test type-checks once with tsc). */
module.exports = {
  testEnvironment: 'node',
  // Every core: jest's default leaves one free, which on a 2-core CI runner means one worker,
  // while the slow suites mostly wait on child processes (npm pack, synth, SIGKILL runs).
  maxWorkers: '100%',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};
