/**
 * `npm run test:reliability` (scripts/reliability.mjs): property-based tests on the browser (jsdom)
 * and Node entries, hostile pages and fault runs in Debian Chromium against the real collector.
 * One file at a time: the fault runs measure recovery in real time.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/reliability'],
  testMatch: ['**/*.test.ts', '**/*.e2e.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testTimeout: 120000,
  maxWorkers: 1,
};
