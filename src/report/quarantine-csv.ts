import type { RecordOutcome } from '../ledger/ledger.ts'
import type { Mapping } from '../mapping/types.ts'
import type { X2crmRecord } from '../source/x2crm/types.ts'
import { csvRow, parseCsv } from './csv.ts'
import { exampleValue } from './reason-groups.ts'
import { entityMapOfPhase, fieldsOfReason } from './reason-fields.ts'

/**
 * The columns of quarantine.csv (and of validate's quarantine-preview.csv). The first six are the original ones, so
 * a reader of the old file still finds them where they were; `field`, `current_value` and `fixed_value` make the file
 * one a person fills in and feeds back with `x2d365 fix`.
 */
export const QUARANTINE_CSV_COLUMNS = [
  'phase',
  'source_key',
  'x2crm_class',
  'x2crm_id',
  'reason',
  'warnings',
  'field',
  'current_value',
  'fixed_value',
] as const

export function quarantineCsvHeader(): string {
  return csvRow(QUARANTINE_CSV_COLUMNS)
}

export interface QuarantineCsvContext {
  /** The map the run used: it tells which X2CRM field a Dataverse refusal (which names a column) is about. */
  mapping?: Mapping
  /** The record as x2d365 reads it now (fixes stored earlier applied): fills `current_value`. */
  record?: X2crmRecord
}

/**
 * The CSV lines of one quarantined record: one per X2CRM field its reason is about, with the field's current value
 * and an empty `fixed_value`; one line with an empty field when the reason names none a person could fix (the
 * person can still write the field and the value). Pure.
 */
export function quarantineCsvLines(outcome: RecordOutcome, context: QuarantineCsvContext = {}): string {
  const [entity = '', id = ''] = outcome.sourceKey.split(':')
  const reason = outcome.reason ?? ''
  const entityMap = context.mapping && entityMapOfPhase(context.mapping, outcome.phase)
  const fields = fieldsOfReason(reason, entityMap)
  const start = [outcome.phase, outcome.sourceKey, entity, id, reason, (outcome.warnings ?? []).join(' | ')]
  if (fields.length === 0) return csvRow([...start, '', '', ''])
  return fields.map((field) => csvRow([...start, field, currentValue(field, context.record), ''])).join('')
}

/** A field's value as text: empty for none, JSON for what is not a scalar, hidden when the name says it is a secret. */
function currentValue(field: string, record: X2crmRecord | undefined): string {
  const value = record?.[field]
  if (value === null || value === undefined) return ''
  return inertForSpreadsheets(exampleValue(field, value, Number.POSITIVE_INFINITY) ?? '')
}

/** What a spreadsheet would run as a formula when the file is opened (OWASP's CSV injection list). */
const FORMULA_START = /^[=+\-@\t\r]/

/**
 * A value from X2CRM that starts like a formula (`=HYPERLINK(…)`, `+1 555…`) gets a leading `'`, so a spreadsheet
 * shows it instead of running it; `fix` takes the `'` off again when a person copies the value into fixed_value. Pure.
 */
export function inertForSpreadsheets(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value
}

/** The value a person meant: without the `'` {@link inertForSpreadsheets} put before a formula-like value. Pure. */
export function withoutFormulaGuard(value: string): string {
  return value.startsWith("'") && FORMULA_START.test(value.slice(1)) ? value.slice(1) : value
}

export interface QuarantineCsvOptions {
  mapping?: Mapping
  /** Reads a record for `current_value` (through the fixes); without it, current values are left empty. */
  readRecord?: (entity: string, id: number) => Promise<X2crmRecord | undefined>
  /** Told once when a read fails: the rest of the file is written without current values. */
  onReadFailed?: (error: unknown) => void
}

/** Records read from X2CRM at a time for their current values. */
const READ_AHEAD = 20

/**
 * The lines of quarantine.csv (without the header) for a run's outcomes, streaming: at most {@link READ_AHEAD}
 * records are held at a time.
 */
export async function* quarantineCsv(
  outcomes: AsyncIterable<RecordOutcome>,
  options: QuarantineCsvOptions = {},
): AsyncGenerator<string> {
  let read = options.readRecord
  const lines = async (batch: readonly RecordOutcome[]): Promise<string> => {
    let records: (X2crmRecord | undefined)[] = []
    if (read !== undefined) {
      const reader = read
      try {
        records = await Promise.all(
          batch.map(async (o) => {
            const [entity = '', id = ''] = o.sourceKey.split(':')
            return /^\d+$/.test(id) ? reader(entity, Number(id)) : undefined
          }),
        )
      } catch (error) {
        read = undefined
        options.onReadFailed?.(error)
      }
    }
    return batch
      .map((outcome, i) =>
        quarantineCsvLines(outcome, {
          ...(options.mapping && { mapping: options.mapping }),
          ...(records[i] && { record: records[i] }),
        }),
      )
      .join('')
  }
  let batch: RecordOutcome[] = []
  for await (const outcome of outcomes) {
    if (outcome.status !== 'quarantined') continue
    batch.push(outcome)
    if (batch.length < READ_AHEAD) continue
    yield await lines(batch)
    batch = []
  }
  if (batch.length > 0) yield await lines(batch)
}

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
 * The fixes in a quarantine CSV a person filled in, and every problem that can be seen without X2CRM: the columns
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
