/**
 * jobguard's version: the one value `--version`, the serve start line, the build-info metric,
 * SARIF's driver and the chart's appVersion agree on. package.json's `version` is the source;
 * test/version.test.ts fails when this constant or the chart drifts from it.
 */
export const VERSION = '0.1.0';
