import { normalizeReason } from '../run/reason-groups.ts'

/** Records that share a rule: same phase, same X2CRM field, same thing wrong, whatever the values. */
export interface RuleGroup {
  phase: string
  /** The X2CRM field(s) the reason names; empty when it names none. */
  field: string
  /** What is wrong, with every record-specific part (values, ids, user names, counts) taken out. */
  rule: string
  count: number
  /** A few records, with the reason as one of them had it, to look at first. */
  examples: { sourceKey: string; reason: string }[]
}

/** The most rows a rule table has: rules past this are summed in one last row, so a table never grows with data. */
export const MAX_RULE_ROWS = 15
const EXAMPLES = 3

/**
 * Parts of reasons x2d365 writes that hold record values without quoting them, as (pattern, replacement). Quoted
 * values, GUIDs and `Class:id` keys are taken out first by `normalizeReason`.
 */
const UNQUOTED_VALUES: readonly [RegExp, string][] = [
  // transforms.ts assignee: `assigned to a, b; Dataverse keeps one owner, a; b dropped`
  [
    /assigned to [^;]+; Dataverse keeps one owner, [^;]+; .+ dropped/,
    'assigned to several users; Dataverse keeps one owner, the first; the others dropped',
  ],
  [/X2CRM groups? [\d, ]+(?=,|$)/, 'X2CRM group(s) …'],
  // dedupe: `2 existing account rows`
  [/\b\d+ existing\b/, 'several existing'],
  // bind-links: `Accounts:<id> was loaded into leads, not accounts`
  [/\(<id>(?:, <id>)*\)/, '(…)'],
]

/**
 * The rule a reason breaks, bounded: the same for every record that breaks it, whatever its values. Pure.
 * @example ruleOf('assignedTo: assigned to sjackson, rwilson; Dataverse keeps one owner, sjackson; rwilson dropped')
 * // { field: 'assignedTo', rule: 'assigned to several users; Dataverse keeps one owner, the first; the others dropped' }
 */
export function ruleOf(reason: string): { field: string; rule: string } {
  const { field, rule } = normalizeReason(reason)
  return { field, rule: UNQUOTED_VALUES.reduce((text, [pattern, by]) => text.replace(pattern, by), rule) }
}

/** Counts reasons by rule. Memory and rows grow with the number of distinct rules, never with records. */
export function createRuleGroups(): {
  add: (phase: string, reason: string, sourceKey: string) => void
  /** Largest first; past {@link MAX_RULE_ROWS} the rest in one row (`rule: 'other rules (N)'`). */
  groups: () => RuleGroup[]
  total: () => number
} {
  const groups = new Map<string, RuleGroup>()
  let total = 0
  return {
    add(phase, reason, sourceKey) {
      total++
      const { field, rule } = ruleOf(reason)
      const key = `${phase}\n${field}\n${rule}`
      const group = groups.get(key) ?? { phase, field, rule, count: 0, examples: [] }
      group.count++
      if (group.examples.length < EXAMPLES) group.examples.push({ sourceKey, reason })
      groups.set(key, group)
    },
    groups: () => boundRules([...groups.values()].sort((a, b) => b.count - a.count)),
    total: () => total,
  }
}

/** Keeps the largest rules and sums the rest into one row. Pure. */
export function boundRules(sorted: readonly RuleGroup[], max = MAX_RULE_ROWS): RuleGroup[] {
  if (sorted.length <= max) return [...sorted]
  const kept = sorted.slice(0, max - 1)
  const rest = sorted.slice(max - 1)
  return [
    ...kept,
    {
      phase: '',
      field: '',
      rule: `${rest.length} other rules`,
      count: rest.reduce((n, g) => n + g.count, 0),
      examples: rest.slice(0, EXAMPLES).flatMap((g) => g.examples.slice(0, 1)),
    },
  ]
}
