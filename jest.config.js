/** Jest: unit tests beside their subject (src/**\/*.test.ts), goldens and fakes under test/, black-box tests under e2e/. */
module.exports = {
  testEnvironment: 'node',
  // @kubernetes/client-node 1.x and a few of its dependencies ship ESM only: compile them too.
  transform: { '^.+\\.(ts|js)$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] },
  transformIgnorePatterns: ['/node_modules/(?!(@kubernetes/client-node|openid-client|oauth4webapi|jose|jsonpath-plus|rfc4648)/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  roots: ['<rootDir>/src', '<rootDir>/test', '<rootDir>/e2e'],
  testMatch: ['**/*.test.ts'],
  testTimeout: 30000,
};
