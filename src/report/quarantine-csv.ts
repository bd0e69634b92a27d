import type { RecordOutcome } from '../ledger/ledger.ts'
import type { Mapping } from '../mapping/types.ts'
import type { X2crmRecord } from '../source/x2crm/types.ts'
import { csvRow, inertForSpreadsheets } from '../csv.ts'
import { exampleValue } from '../run/reason-groups.ts'
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
