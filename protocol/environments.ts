/**
 * The environment names every side agrees on. A build is made for one of
 * BUILD_ENVS; whichever it is, the add-on accepts only manifests published for
 * MANIFEST_ENV, which is what the publish tool writes and the server accepts.
 *
 * @example
 * verifyEnvelope(text, { keys, env: MANIFEST_ENV });
 */
export const BUILD_ENVS = ['local', 'beta'] as const;
export type BuildEnv = (typeof BUILD_ENVS)[number];

/** A local development build reads the same "beta" manifests, published without review. */
export const MANIFEST_ENV = 'beta';
