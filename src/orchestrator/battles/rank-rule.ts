/**
 * The rule that orders a battle's contestants: an ordered list of keys, each breaking the ties
 * the keys before it left. The default is `resolved,score,flags,diff,cost,time`: resolved
 * first, then the higher score, then fewer integrity flags, then the smaller diff, then the
 * lower cost, then the shorter run. A contestant whose diff, cost or duration is unknown comes
 * after those whose value is known on that key. Contestants that could not be graded come
 * last whatever the rule. `--rank` takes the same keys, comma-separated.
 */
import { CorralError } from '../../lib/errors.js';

export const rankKeys = ['resolved', 'score', 'flags', 'diff', 'cost', 'time'] as const;
export type RankKey = (typeof rankKeys)[number];
export type RankRule = readonly RankKey[];

export const defaultRankRule: RankRule = ['resolved', 'score', 'flags', 'diff', 'cost', 'time'];

const keyWords: Record<RankKey, string> = {
  resolved: 'resolved first',
  score: 'the higher score',
  flags: 'fewer integrity flags',
  diff: 'the smaller diff',
  cost: 'the lower cost',
  time: 'the shorter run',
};

/** One sentence saying how `rule` orders contestants, for the CLI to print. */
export function describeRankRule(rule: RankRule): string {
  const [first, ...rest] = rule.map((key) => keyWords[key]);
  const order = [first, ...rest.map((words) => `then ${words}`)].join(', ');
  const sentence = order.charAt(0).toUpperCase() + order.slice(1);
  return `${sentence}; contestants not graded last.`;
}

export const defaultRankRuleDescription = describeRankRule(defaultRankRule);

function isRankKey(text: string): text is RankKey {
  return (rankKeys as readonly string[]).includes(text);
}

/**
 * Reads `--rank`'s value, e.g. `resolved,score,cost,time`.
 *
 * @throws CorralError USAGE naming the unknown or repeated key, with the valid keys as hint.
 */
export function parseRankRule(text: string): RankRule {
  const hint = `Give a comma-separated list of: ${rankKeys.join(', ')} (default: ${defaultRankRule.join(',')}).`;
  const keys = text
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key !== '');
  if (keys.length === 0)
    throw new CorralError('USAGE', `The ranking rule "${text}" names no key.`, { hint });
  const rule: RankKey[] = [];
  for (const key of keys) {
    if (!isRankKey(key)) {
      throw new CorralError('USAGE', `Unknown ranking key "${key}" in "${text}".`, { hint });
    }
    if (rule.includes(key)) {
      throw new CorralError('USAGE', `The ranking key "${key}" appears twice in "${text}".`, {
        hint,
      });
    }
    rule.push(key);
  }
  return rule;
}
