import { describe, expect, it } from 'vitest'
import type { RecordOutcome } from '../ledger/ledger.ts'
import { defaultMapping } from '../mapping/default-map.ts'
import { csvRow, inertForSpreadsheets, parseCsv, withoutFormulaGuard } from '../csv.ts'
import { readFixFile } from '../run/fix-file.ts'
import {
  QUARANTINE_CSV_COLUMNS,
  quarantineCsv,
  quarantineCsvHeader,
  quarantineCsvLines,
} from './quarantine-csv.ts'

const mapping = defaultMapping()
const TOO_LONG =
  "Dataverse rejected the row (400 0x80044331): A validation error occurred.  The length of the 'name' attribute of the 'account' entity exceeded the maximum allowed length of '160'."

function quarantined(sourceKey: string, reason: string, extra: Partial<RecordOutcome> = {}): RecordOutcome {
  return {
    runId: 'r',
    phase: sourceKey.split(':')[0] ?? '',
    sourceKey,
    status: 'quarantined',
    reason,
    ...extra,
  }
}

async function* streamOf<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items
}

async function collect(lines: AsyncIterable<string>): Promise<string> {
  let text = ''
  for await (const line of lines) text += line
  return text
}

/** The file as a person sees it in a spreadsheet: one object per line, keyed by column. */
function table(text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text).rows
  return rows.map((r) =>
    Object.fromEntries((header?.fields ?? []).map((name, i) => [name, r.fields[i] ?? ''])),
  )
}

describe('quarantineCsvLines', () => {
  it('keeps the original six columns first and adds field, current_value and fixed_value', () => {
    expect(quarantineCsvHeader()).toBe(
      'phase,source_key,x2crm_class,x2crm_id,reason,warnings,field,current_value,fixed_value\r\n',
    )
    const line = quarantineCsvLines(quarantined('Accounts:7', TOO_LONG, { warnings: ['a', 'b'] }), {
      mapping,
      record: { id: 7, name: 'Acme, Inc. "the long one"' },
    })
    expect(parseCsv(line).rows[0]?.fields).toEqual([
      'Accounts',
      'Accounts:7',
      'Accounts',
      '7',
      TOO_LONG,
      'a | b',
      'name',
      'Acme, Inc. "the long one"',
      '',
    ])
  })

  it('writes one line per field the reason is about, and one with an empty field when it names none', () => {
    const both = quarantineCsvLines(
      quarantined('Contacts:3', 'firstName, lastName: the contact has neither a first nor a last name'),
      { mapping, record: { id: 3, firstName: null, lastName: 0 } },
    )
    expect(table(quarantineCsvHeader() + both).map((r) => [r['field'], r['current_value']])).toEqual([
      ['firstName', ''],
      ['lastName', '0'],
    ])
    const none = quarantineCsvLines(quarantined('Contacts:4', 'no result from the loader (internal error)'))
    expect(table(quarantineCsvHeader() + none)).toEqual([
      expect.objectContaining({ source_key: 'Contacts:4', field: '', current_value: '', fixed_value: '' }),
    ])
  })

  it('hides the value of a field whose name says it holds a secret', () => {
    const line = quarantineCsvLines(quarantined('Contacts:5', 'c_password: too long'), {
      record: { c_password: 'hunter2' },
    })
    expect(line).not.toContain('hunter2')
    expect(line).toContain('[hidden]')
  })
})

describe('quarantineCsv', () => {
  it('writes only quarantined outcomes, reading their current values a few at a time', async () => {
    const outcomes: RecordOutcome[] = [
      { runId: 'r', phase: 'Accounts', sourceKey: 'Accounts:1', status: 'created', targetId: 't' },
      ...Array.from({ length: 45 }, (_, i) => quarantined(`Accounts:${i + 2}`, TOO_LONG)),
    ]
    const reads: number[] = []
    const text = await collect(
      quarantineCsv(streamOf(outcomes), {
        mapping,
        readRecord: async (entity, id) => {
          reads.push(id)
          return entity === 'Accounts' ? { id, name: `Account ${id}` } : undefined
        },
      }),
    )
    const rows = table(quarantineCsvHeader() + text)
    expect(rows).toHaveLength(45)
    expect(rows[0]).toMatchObject({ source_key: 'Accounts:2', field: 'name', current_value: 'Account 2' })
    expect(reads).toHaveLength(45)
  })

  it('goes on without current values once a read fails, and says so once', async () => {
    const failures: unknown[] = []
    const text = await collect(
      quarantineCsv(streamOf([quarantined('Accounts:1', TOO_LONG), quarantined('Accounts:2', TOO_LONG)]), {
        mapping,
        readRecord: async () => {
          throw new Error('X2CRM is down')
        },
        onReadFailed: (error) => failures.push(error),
      }),
    )
    expect(table(quarantineCsvHeader() + text).map((r) => [r['field'], r['current_value']])).toEqual([
      ['name', ''],
      ['name', ''],
    ])
    expect(failures).toHaveLength(1)
  })
})

describe('the round trip: written, filled in by a person, read back', () => {
  it('reads back the fixes a person wrote, with the lines they are on', async () => {
    const written =
      quarantineCsvHeader() +
      (await collect(
        quarantineCsv(
          streamOf([
            quarantined('Accounts:12', TOO_LONG),
            quarantined(
              'Contacts:30',
              'firstName, lastName: the contact has neither a first nor a last name',
            ),
            quarantined('Contacts:31', 'no result from the loader (internal error)'),
          ]),
          { mapping, readRecord: async (_entity, id) => ({ id, name: 'A'.repeat(200) }) },
        ),
      ))
    // The person shortens the name, names one contact, and writes a field on the line that had none.
    const rows = table(written)
    const edited = rows.map((row) => {
      if (row['source_key'] === 'Accounts:12') return { ...row, fixed_value: 'Acme, "short" name' }
      if (row['field'] === 'lastName') return { ...row, fixed_value: 'Doe\nJr.' }
      if (row['source_key'] === 'Contacts:31') return { ...row, field: 'email', fixed_value: 'a@b.example' }
      return row
    })
    const saved =
      csvRow(QUARANTINE_CSV_COLUMNS) +
      edited
        .filter((row) => row['field'] !== 'firstName')
        .map((row) => csvRow(QUARANTINE_CSV_COLUMNS.map((c) => row[c] ?? '')))
        .join('')

    const read = readFixFile(saved)

    expect(read.problems).toEqual([])
    expect(read.lines).toEqual([
      { line: 2, entity: 'Accounts', id: 12, field: 'name', value: 'Acme, "short" name' },
      { line: 3, entity: 'Contacts', id: 30, field: 'lastName', value: 'Doe\nJr.' },
      { line: 5, entity: 'Contacts', id: 31, field: 'email', value: 'a@b.example' },
    ])
  })
})

describe('values that look like formulas', () => {
  it('are written inert for spreadsheets, and a copy of one into fixed_value is read back as it was meant', async () => {
    const written =
      quarantineCsvHeader() +
      (await collect(
        quarantineCsv(streamOf([quarantined('Accounts:12', TOO_LONG)]), {
          mapping,
          readRecord: async (_entity, id) => ({ id, name: '=HYPERLINK("http://evil.example","click")' }),
        }),
      ))
    const [row] = table(written)
    expect(row?.['current_value']).toBe('\'=HYPERLINK("http://evil.example","click")')
    expect(inertForSpreadsheets('+1 555 0100')).toBe("'+1 555 0100")
    expect(inertForSpreadsheets('Acme Ltd')).toBe('Acme Ltd')
    const saved =
      csvRow(QUARANTINE_CSV_COLUMNS) +
      csvRow(QUARANTINE_CSV_COLUMNS.map((c) => (c === 'fixed_value' ? "'+1 555 0100" : (row?.[c] ?? ''))))
    expect(readFixFile(saved).lines[0]?.value).toBe('+1 555 0100')
    // A value a person starts with a quote on purpose keeps it.
    expect(withoutFormulaGuard("'tis the season")).toBe("'tis the season")
  })
})
