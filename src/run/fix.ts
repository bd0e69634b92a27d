import { sourceKeyOf, type SourceKey } from '../domain/source-key.ts'
import type { SourceFix } from '../ledger/fix-store.ts'
import type { RecordOutcome } from '../ledger/ledger.ts'
import type { Mapping } from '../mapping/types.ts'
import type { X2crmSource } from '../source/x2crm/types.ts'
import { delta, type DeltaDeps, type DeltaOptions, type DeltaResult } from './delta.ts'
import { readFixFile, type FixFileProblem, type FixLine } from './fix-file.ts'
import { textOf } from './with-fixes.ts'

export interface FixOptions extends DeltaOptions {
  /** Who stores the fixes, kept with each. */
  by: string
  /** Load the fixed records at once, with a delta. @default true */
  load?: boolean
  /** Store the good lines even when some are bad. @default false */
  skipBad?: boolean
}

export interface FixDeps extends DeltaDeps {
  /**
   * X2CRM as it is, without the fixes: what a fix is checked against and where its `original` is read. `source` is
   * the one the delta reads, with the fixes applied (`withFixes` over the same ledger).
   */
  unfixedSource: X2crmSource
}

export interface FixResult {
  /** Every bad line. Unless `skipBad`, a single one means nothing was stored. */
  problems: FixFileProblem[]
  /** The fixes stored, each with the line it came from. */
  stored: (SourceFix & { line: number })[]
  /**
   * Loaded records whose link to a fixed record was left empty because it was not in Dataverse: the next delta loads
   * them again, so the link binds now that the fixed record loads.
   */
  relinked: SourceKey[]
  /** The delta that loaded the fixed records (absent with `load: false`, or when nothing was stored). */
  delta?: DeltaResult
  /** What the delta did with each fixed record, per phase. */
  fixedOutcomes: RecordOutcome[]
}

/**
 * Stores the fixes a person wrote in a quarantine CSV, then loads the fixed records with a delta. Every line is
 * checked first: the file's own problems (`readFixFile`), then against the map and X2CRM (a class the map loads, a
 * field the class has, a record that exists, a value that changes something). When a line is bad, nothing is stored
 * unless `skipBad`. A stored fix keeps the value X2CRM held, so a later change in X2CRM shows the fix as stale.
 *
 * The quarantined records have no content hash (a record's hash is kept only once it is in Dataverse), so the delta
 * treats them as new and loads them with their fixes, through `deps.source`. Records that loaded with an empty link to
 * a fixed record are loaded again by the same delta, so the link binds.
 */
export async function fixRecords(text: string, options: FixOptions, deps: FixDeps): Promise<FixResult> {
  const read = readFixFile(text)
  const checked = await checkFixLines(read.lines, options.mapping, deps.unfixedSource, {
    fixedAt: deps.now().toISOString(),
    fixedBy: options.by,
  })
  const problems = [...read.problems, ...checked.problems].sort((a, b) => a.line - b.line)
  if ((problems.length > 0 && options.skipBad !== true) || checked.fixes.length === 0) {
    return { problems, stored: [], relinked: [], fixedOutcomes: [] }
  }
  await deps.ledger.fixes.add(checked.fixes.map(({ line: _line, ...fix }) => fix))
  const fixedKeys = new Set(checked.fixes.map((f) => sourceKeyOf(f.entity, f.id)))
  if (options.load === false) return { problems, stored: checked.fixes, relinked: [], fixedOutcomes: [] }

  const result = await delta(options, deps)
  const fixedOutcomes: RecordOutcome[] = []
  for await (const outcome of deps.ledger.outcomes(result.runId)) {
    if (fixedKeys.has(outcome.sourceKey)) fixedOutcomes.push(outcome)
  }
  const relinked = result.changes.filter((c) => c.change === 'relinked').map((c) => c.sourceKey)
  return { problems, stored: checked.fixes, relinked, delta: result, fixedOutcomes }
}

/**
 * The lines that can be stored, each with the value X2CRM holds now, and a problem for each of the others. Reads
 * each class's fields once and each record once.
 */
export async function checkFixLines(
  lines: readonly FixLine[],
  mapping: Mapping,
  source: X2crmSource,
  stamp: Pick<SourceFix, 'fixedAt' | 'fixedBy'>,
): Promise<{ fixes: (SourceFix & { line: number })[]; problems: FixFileProblem[] }> {
  const classes = [...new Set(mapping.entities.map((e) => e.entity))]
  const fieldsOf = new Map<string, Promise<Set<string>>>()
  const records = new Map<string, ReturnType<X2crmSource['record']>>()
  const fixes: (SourceFix & { line: number })[] = []
  const problems: FixFileProblem[] = []
  for (const line of lines) {
    const problem = (message: string) => problems.push({ line: line.line, message })
    if (!classes.includes(line.entity)) {
      const like = classes.find((c) => c.toLowerCase() === line.entity.toLowerCase())
      problem(
        `x2crm_class ${JSON.stringify(line.entity)} is not a class the map loads (${classes.join(', ')})` +
          (like === undefined ? '; correct it or delete the line' : `; did you mean ${like}?`),
      )
      continue
    }
    if (line.field === 'id') {
      problem('the id of a record cannot be fixed (it is its key); delete the line')
      continue
    }
    let fields = fieldsOf.get(line.entity)
    if (fields === undefined) {
      fields = source.fields(line.entity).then((all) => new Set(all.map((f) => f.fieldName)))
      fieldsOf.set(line.entity, fields)
    }
    const known = await fields
    if (!known.has(line.field)) {
      const like = [...known].find((f) => f.toLowerCase() === line.field.toLowerCase())
      problem(
        `${line.entity} has no field ${JSON.stringify(line.field)} in X2CRM` +
          (like === undefined
            ? '; write a field as the reason names it, or delete the line'
            : `; field names are case-sensitive: did you mean ${like}?`),
      )
      continue
    }
    const key = sourceKeyOf(line.entity, line.id)
    let reading = records.get(key)
    if (reading === undefined) {
      reading = source.record(line.entity, line.id)
      records.set(key, reading)
    }
    const record = await reading
    if (record === undefined) {
      problem(`${key} does not exist in X2CRM (deleted since the report?); delete the line`)
      continue
    }
    const original = textOf(record[line.field])
    if (original === line.value) {
      problem(
        `fixed_value is what X2CRM holds already for ${key} ${line.field}; change it or delete the line`,
      )
      continue
    }
    fixes.push({
      line: line.line,
      entity: line.entity,
      id: line.id,
      field: line.field,
      value: line.value,
      original,
      ...stamp,
    })
  }
  return { fixes, problems }
}
