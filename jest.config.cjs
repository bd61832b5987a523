/** Unit and integration tests: node by default, `@jest-environment jsdom` per browser file. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/collector/test'],
  // test/reliability runs on its own (jest.reliability.config.cjs, scripts/reliability.mjs).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/e2e/', '<rootDir>/test/types/', '<rootDir>/test/reliability/'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testTimeout: 30000,
  // Two workers on two cores: most suites wait on servers, processes and timers, not the CPU.
  maxWorkers: 2,
};
