import { parseCsv, withoutFormulaGuard } from '../csv.ts'

/** One fix a person wrote in a quarantine CSV: set `field` of X2CRM record `entity`:`id` to `value`. */
export interface FixLine {
  /** The line of the file it is on (1 = the header), to point the person back at it. */
  line: number
  entity: string
  id: number
  field: string
  value: string
}

/** Something wrong with a line of the file, said so that the person knows what to change. */
export interface FixFileProblem {
  line: number
  message: string
}

/**
 * The fixes in a quarantine CSV a person filled in (`quarantine.csv` as `x2d365 report` writes it, columns found by
 * name), and every problem that can be seen without X2CRM: the columns
 * `x2d365 fix` needs, a record id, a field and a fixed value on every line, one value per field of a record. Blank
 * lines are left out; so are lines repeating an earlier line's fix exactly. Never throws. Pure.
 */
export function readFixFile(text: string): { lines: FixLine[]; problems: FixFileProblem[] } {
  const parsed = parseCsv(text)
  const [header, ...rows] = parsed.rows
  const problems: FixFileProblem[] = []
  if (header === undefined) {
    return {
      lines: [],
      problems: [{ line: 1, message: 'the file is empty; give the quarantine.csv you filled in' }],
    }
  }
  const column = (name: string) => header.fields.findIndex((f) => f.trim().toLowerCase() === name)
  const at = {
    sourceKey: column('source_key'),
    entity: column('x2crm_class'),
    id: column('x2crm_id'),
    field: column('field'),
    value: column('fixed_value'),
  }
  const missing = [
    ...(at.entity < 0 && at.sourceKey < 0 ? ['x2crm_class'] : []),
    ...(at.id < 0 && at.sourceKey < 0 ? ['x2crm_id'] : []),
    ...(at.field < 0 ? ['field'] : []),
    ...(at.value < 0 ? ['fixed_value'] : []),
  ]
  if (missing.length > 0) {
    const message =
      `the header has no ${missing.join(', ')} column${missing.length > 1 ? 's' : ''}; keep the first line of the ` +
      'quarantine.csv that `x2d365 report` wrote (columns may be in any order, others may be removed)'
    return { lines: [], problems: [{ line: header.line, message }] }
  }
  const lines: FixLine[] = []
  const seen = new Map<string, FixLine>()
  const conflicting = new Set<FixLine>()
  // The row an unclosed quote opened in runs to the end of the file: nothing of it can be trusted.
  for (const row of parsed.unclosedQuoteAt === undefined ? rows : rows.slice(0, -1)) {
    const cell = (index: number) => (index < 0 ? '' : (row.fields[index] ?? '')).trim()
    if (row.fields.every((f) => f.trim() === '')) continue
    const problem = (message: string) => problems.push({ line: row.line, message })
    const sourceKey = cell(at.sourceKey)
    const [keyEntity = '', keyId = ''] = sourceKey.split(':')
    const entity = cell(at.entity) || keyEntity
    const idText = cell(at.id) || keyId
    const field = cell(at.field)
    const value = at.value < 0 ? '' : (row.fields[at.value] ?? '')
    const before = problems.length
    if (entity === '') problem('x2crm_class is empty; write the X2CRM class of the record (e.g. Contacts)')
    if (!/^\d+$/.test(idText) || Number(idText) < 1 || !Number.isSafeInteger(Number(idText))) {
      problem(
        idText === ''
          ? 'x2crm_id is empty; write the id of the X2CRM record'
          : `x2crm_id ${JSON.stringify(idText)} is not an X2CRM record id (a whole number from 1)`,
      )
    } else if (sourceKey !== '' && sourceKey !== `${entity}:${Number(idText)}`) {
      problem(
        `source_key ${sourceKey} is not x2crm_class ${entity} with x2crm_id ${idText}; correct one of them ` +
          '(a column may have shifted while editing)',
      )
    }
    if (field === '') {
      problem('field is empty; write the X2CRM field to change, as the reason names it (e.g. lastName)')
    }
    if (value.trim() === '') {
      problem(
        'fixed_value is empty; write the corrected value, or delete the line if you do not fix this record ' +
          '(or pass --skip-bad to store the other lines)',
      )
    }
    if (problems.length > before) continue
    const fix: FixLine = {
      line: row.line,
      entity,
      id: Number(idText),
      field,
      value: withoutFormulaGuard(value),
    }
    const key = `${entity}:${fix.id}\u0000${field}`
    const earlier = seen.get(key)
    if (earlier === undefined) {
      seen.set(key, fix)
      lines.push(fix)
    } else if (earlier.value !== value) {
      conflicting.add(earlier)
      problem(
        `${entity}:${fix.id} ${field} is fixed on line ${earlier.line} too, with another value; keep one of the two lines`,
      )
    }
  }
  if (parsed.unclosedQuoteAt !== undefined) {
    problems.push({
      line: parsed.unclosedQuoteAt,
      message:
        'a value opened with a double quote here is never closed, so the rest of the file cannot be read; ' +
        'close it with " (a quote inside a value is written twice: "")',
    })
  }
  return {
    lines: lines.filter((l) => !conflicting.has(l)),
    problems: problems.sort((a, b) => a.line - b.line),
  }
}
