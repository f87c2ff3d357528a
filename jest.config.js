/** Jest: unit tests beside their subject (src/**\/*.test.ts), goldens and fakes under test/, black-box tests under e2e/. */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  roots: ['<rootDir>/src', '<rootDir>/test', '<rootDir>/e2e'],
  testMatch: ['**/*.test.ts'],
  testTimeout: 30000,
};
