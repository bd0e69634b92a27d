import type { X2crmRecord } from '../source/x2crm/types.ts'

/** What a sample of records holds in one field: how many have a value, and the most frequent values. */
export interface FieldSample {
  /** Records in the sample. */
  sampled: number
  /** Records whose value is not empty. */
  filled: number
  /** The most frequent values (as text, cut at 200 characters), most frequent first. */
  top: { value: string; count: number }[]
}

/** Field → its sample, over a sample of records of one class. Pure. */
export function sampleFields(records: readonly X2crmRecord[], top = 5): Record<string, FieldSample> {
  const counts = new Map<string, Map<string, number>>()
  const filled = new Map<string, number>()
  for (const record of records) {
    for (const [field, raw] of Object.entries(record)) {
      const value = textOf(raw)
      if (!counts.has(field)) counts.set(field, new Map())
      if (value === '') continue
      filled.set(field, (filled.get(field) ?? 0) + 1)
      const values = counts.get(field)
      values?.set(value, (values.get(value) ?? 0) + 1)
    }
  }
  const result: Record<string, FieldSample> = {}
  for (const [field, values] of counts) {
    result[field] = {
      sampled: records.length,
      filled: filled.get(field) ?? 0,
      top: [...values]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .slice(0, top)
        .map(([value, count]) => ({ value, count })),
    }
  }
  return result
}

function textOf(value: unknown): string {
  if (value === null || value === undefined) return ''
  const text = typeof value === 'string' ? value : JSON.stringify(value)
  return text.trim().slice(0, 200)
}
