/**
 * The agent's requests, host side: reading them (untrusted), answering them (`corral
 * approve` / `corral reject`), and turning them into events while an instance runs.
 */
export * from './request-files.js';
export * from './instance-requests.js';
export * from './record-answer.js';
export * from './answer-request.js';
export * from './request-events.js';
