/**
 * What an agent holds instead of a real key when its sandbox is fenced: the gateway drops
 * it and adds the real one on the way out. A fixed, public value, so an adapter can
 * pre-answer a CLI's "use this key?" question for it and for nothing else.
 */
export const fencePlaceholderKey = 'corral-placeholder-key';
