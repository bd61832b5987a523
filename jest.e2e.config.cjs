/** Real-Chromium end-to-end tests against the real collector; run after `npm run build`. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/e2e'],
  testMatch: ['**/*.e2e.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testTimeout: 60000,
  // One browser suite at a time: the cross-tab "within 100 ms" promise is measured in real time.
  maxWorkers: 1,
};
