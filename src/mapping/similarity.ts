/** Lowercase letters and digits only: `address1_line1` → `address1line1`, `E-Mail` → `email`. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '')
}

/** Words of a field name or label: `expectedCloseDate` → expected, close, date; `address1_city` → address1, city. */
export function wordsOf(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '')
}

/** Suffixes Dataverse adds that carry no meaning for matching (`leadsourcecode`, `parentcaseid`). */
function core(column: string): string {
  return normalizeName(column.replace(/(code|id)$/, ''))
}

function bigrams(text: string): Map<string, number> {
  const grams = new Map<string, number>()
  for (let i = 0; i < text.length - 1; i++) {
    const gram = text.slice(i, i + 2)
    grams.set(gram, (grams.get(gram) ?? 0) + 1)
  }
  return grams
}

/** Sørensen–Dice coefficient of character bigrams, 0–1. */
export function dice(a: string, b: string): number {
  if (a === b) return 1
  if (a.length < 2 || b.length < 2) return 0
  const left = bigrams(a)
  const right = bigrams(b)
  let shared = 0
  for (const [gram, count] of left) shared += Math.min(count, right.get(gram) ?? 0)
  return (2 * shared) / (a.length - 1 + (b.length - 1))
}

/**
 * How alike an X2CRM field (name or label) and a Dataverse column name are, 0–1: equal after normalizing → 1,
 * otherwise the Dice coefficient of their letters, also tried against the column without `code`/`id`.
 */
export function nameSimilarity(field: string, column: string): number {
  const a = normalizeName(field)
  if (a === '') return 0
  const b = normalizeName(column)
  if (a === b || a === core(column)) return 1
  return Math.max(dice(a, b), dice(a, core(column)))
}
