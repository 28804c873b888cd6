/** Helpers adapters share for turning lines they cannot read into `raw` events. */
import type { Line } from '../events/line-splitter.js';
import type { AgentEvent } from './agent.js';

export function rawEvent(line: Line): AgentEvent {
  return {
    type: 'raw',
    line: line.truncated ? `${line.text}… [truncated]` : line.text,
    stream: 'stdout',
  };
}

/** Parses a JSON object line, or returns undefined (not JSON, not an object, truncated). */
export function parseJsonObject(line: Line): Record<string, unknown> | undefined {
  if (line.truncated) return undefined;
  const text = line.text.trim();
  if (!text.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

export function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0;
}
