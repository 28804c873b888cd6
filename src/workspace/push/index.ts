/** Pushing a branch of the source repository, with a token handed to git only in memory. */
export * from './remote-url.js';
export * from './git-remote.js';
export * from './credential-env.js';
export * from './push-failure.js';
export * from './push-branch.js';
