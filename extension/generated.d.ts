/**
 * Modules the build generates (webpack aliases them to files under
 * .generated/). Everything that uses them takes them as parameters, so unit
 * tests pass their own.
 */
declare module 'sbc:feature-registry' {
  import type { RegisteredFeature } from './runtime/feature-registry';
  export const featureRegistry: RegisteredFeature[];
}

declare module 'sbc:build-config' {
  import type { BuildConfig } from '../protocol/build-config';
  export const buildConfig: BuildConfig;
}
