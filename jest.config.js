const jestJupyterLab = require('@jupyterlab/testing/lib/jest-config');

// Packages shipping ES modules only, which jest must transform: JupyterLab's, and those
// openapi-typescript uses (the API types test runs it).
const esModules = [
  '@codemirror',
  '@jupyter/react-components',
  '@jupyter/web-components',
  '@jupyter/ydoc',
  '@jupyterlab/',
  '@microsoft/fast',
  'change-case',
  'exenv-es6',
  'index-to-position',
  'lib0',
  'nanoid',
  'openapi-typescript',
  'parse-json',
  'supports-color',
  'vscode-ws-jsonrpc',
  'y-protocols',
  'y-websocket',
  'yjs'
].join('|');

const baseConfig = jestJupyterLab(__dirname);

module.exports = {
  ...baseConfig,
  automock: false,
  // Only the project's own sources: a pattern matched against absolute paths would also
  // collect ui-tests when the project lies under a folder named src.
  roots: ['<rootDir>/src'],
  testRegex: undefined,
  testMatch: ['<rootDir>/src/**/*.spec.{ts,tsx}'],
  transformIgnorePatterns: [`/node_modules/(?!${esModules}).+`]
};
