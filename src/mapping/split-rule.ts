import type { X2crmRecord } from '../source/x2crm/types.ts'
import { parseNameId } from '../source/x2crm/normalize/link.ts'
import type { RecordCondition, RecordFilter } from './types.ts'

/**
 * Whether an entity map takes a record: its filter's conditions, any or all of them, negated for the records the
 * split leaves in place. `tags` are the record's X2CRM tags (`#vip`), compared without case or `#`.
 */
export function matchesFilter(
  filter: RecordFilter,
  record: X2crmRecord,
  tags: readonly string[] = [],
): boolean {
  const results = filter.conditions.map((condition) => matchesCondition(condition, record, tags))
  const matched = filter.match === 'all' ? results.every(Boolean) : results.some(Boolean)
  return filter.negate === true ? !matched : matched
}

function matchesCondition(condition: RecordCondition, record: X2crmRecord, tags: readonly string[]): boolean {
  switch (condition.type) {
    case 'field': {
      const value = textOf(record[condition.field]).toLowerCase()
      return condition.in.some((option) => option.trim().toLowerCase() === value)
    }
    case 'tag': {
      const have = new Set(tags.map(tagKey))
      return condition.tags.some((tag) => have.has(tagKey(tag)))
    }
    case 'hasCompany': {
      const text = textOf(record[condition.field])
      // A company typed as plain text links no account: only a nameId counts.
      const linked = text !== '' && parseNameId(text).id !== undefined
      return linked === condition.value
    }
  }
}

const tagKey = (tag: string) => tag.trim().replace(/^#/, '').toLowerCase()

function textOf(value: unknown): string {
  if (typeof value === 'string') return value.trim()
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : ''
}

/** The rule in words: `leadstatus is one of Unassigned, Assigned and company is not set`. */
export function describeFilter(filter: RecordFilter): string {
  const parts = filter.conditions.map((condition) => {
    switch (condition.type) {
      case 'field':
        return `${condition.field} is one of ${condition.in.map((v) => (v === '' ? '(empty)' : v)).join(', ')}`
      case 'tag':
        return `tagged ${condition.tags.join(' or ')}`
      case 'hasCompany':
        return `${condition.field} ${condition.value ? 'links a company' : 'links no company'}`
    }
  })
  const rule = parts.join(filter.match === 'all' ? ' and ' : ' or ')
  return filter.negate === true ? `not (${rule})` : rule
}

export interface SplitPreview {
  /** The rule in words. */
  rule: string
  total: number
  /** Records the rule sends to the split table (leads). */
  split: number
  /** Records that stay (contacts). */
  kept: number
  /** How many records each condition matches on its own, to see which one does the work. */
  byCondition: { condition: string; matches: number }[]
  /** A few records of each side, for a person to check. */
  examples: { split: X2crmRecord[]; kept: X2crmRecord[] }
}

/**
 * Counts and examples of what a split rule does to a set of records, for the user to check before confirming.
 * Streams: only the counts and the first `examples` records of each side are kept.
 */
export async function previewSplit(
  filter: RecordFilter,
  records: AsyncIterable<X2crmRecord> | Iterable<X2crmRecord>,
  tagsOf: (record: X2crmRecord) => readonly string[] | Promise<readonly string[]> = () => [],
  examples = 3,
): Promise<SplitPreview> {
  const rule = { ...filter, negate: false }
  const perCondition = filter.conditions.map(() => 0)
  const preview: SplitPreview = {
    rule: describeFilter(rule),
    total: 0,
    split: 0,
    kept: 0,
    byCondition: [],
    examples: { split: [], kept: [] },
  }
  for await (const record of records) {
    const tags = await tagsOf(record)
    preview.total++
    filter.conditions.forEach((condition, i) => {
      if (matchesCondition(condition, record, tags)) perCondition[i] = (perCondition[i] ?? 0) + 1
    })
    const side = matchesFilter(rule, record, tags) ? 'split' : 'kept'
    preview[side]++
    if (preview.examples[side].length < examples) preview.examples[side].push(record)
  }
  preview.byCondition = filter.conditions.map((condition, i) => ({
    condition: describeFilter({ match: 'any', conditions: [condition] }),
    matches: perCondition[i] ?? 0,
  }))
  return preview
}
