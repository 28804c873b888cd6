/** The keys of every label corral puts on what it creates, in one place. */
export const labelKeys = {
  managed: 'corral.managed',
  instance: 'corral.instance',
  home: 'corral.home',
} as const;

export function instanceLabels(instanceId: string, home: string): Record<string, string> {
  return { [labelKeys.managed]: 'true', [labelKeys.instance]: instanceId, [labelKeys.home]: home };
}
