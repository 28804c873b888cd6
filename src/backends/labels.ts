/** The keys of every label corral puts on what it creates, in one place. */
export const labelKeys = {
  managed: 'corral.managed',
  instance: 'corral.instance',
  home: 'corral.home',
  /** Which part of an instance a container is (`agent`, `gateway`): lookup without names. */
  service: 'corral.service',
} as const;

export function instanceLabels(instanceId: string, home: string): Record<string, string> {
  return { [labelKeys.managed]: 'true', [labelKeys.instance]: instanceId, [labelKeys.home]: home };
}
