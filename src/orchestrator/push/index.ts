/** Pushing an instance's branch with just-in-time credentials, and opening its pull request. */
export * from './credential-source.js';
export * from './github-api.js';
export * from './github-app-token.js';
export * from './pull-request-text.js';
export * from './push-instance.js';
