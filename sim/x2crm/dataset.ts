import { z } from 'zod'
import type { X2crmRecord } from '../../src/source/x2crm/types.ts'
import {
  DEFAULT_ADMIN_KEY,
  defaultDropdowns,
  defaultFieldRows,
  moduleModelTitles,
  userRow,
} from './defaults.ts'

/**
 * What the simulator serves. Records are stored exactly as `GET` returns them (ids and dates as numbers,
 * decimals as strings), in database order.
 */
export interface X2crmDataset {
  /** By class name (Accounts, Contacts, ...), hidden records included. */
  records: Record<string, X2crmRecord[]>
  /** As `/users` returns them to an administrator. */
  users: Record<string, unknown>[]
  /** As `/{Class}/fields` returns them. A class is known when it has records or fields. */
  fields: Record<string, Record<string, unknown>[]>
  /** username -> API key (the Basic auth password). Users without a key cannot use the API. */
  apiKeys: Record<string, string>
  /** Class -> record id -> tags such as `["#vip"]`. */
  tags?: Record<string, Record<string, string[]>>
  /** As `/dropdowns` returns them. */
  dropdowns?: unknown[]
  /** As `/relationships` returns them: `{id, firstType, firstId, firstLabel, secondType, secondId, secondLabel}`. */
  relationships?: Record<string, unknown>[]
  /**
   * username -> what the user may do. Unlisted users: `admin` for the username `admin`, else `user`.
   * `noRole` is a user with an API key but no role: 403 on model, count, tags and relationship endpoints.
   */
  access?: Record<string, UserAccess>
  /** Class -> the next auto-increment id; defaults to the largest id + 1 (MySQL never reuses deleted ids). */
  nextIds?: Record<string, number>
  /** Media id -> the file's bytes (base64), served by getFile; a Media record without one has lost its file. */
  mediaFiles?: Record<string, string>
}

export type UserAccess = 'admin' | 'user' | 'noRole'

/** The API key of `admin` in test/fixtures/x2crm/fixture (its README) and in the simple shape's default admin. */
export const FIXTURE_ADMIN_KEY = DEFAULT_ADMIN_KEY

const recordListSchema = z.array(z.record(z.string(), z.unknown()))

const dumpSchema = z.object({
  records: z.record(z.string(), recordListSchema),
  users: recordListSchema.optional(),
  fields: z.record(z.string(), recordListSchema).optional(),
  tags: z.record(z.string(), z.record(z.string(), z.array(z.string()))).optional(),
  dropdowns: z.array(z.unknown()).optional(),
  relationships: recordListSchema.optional(),
})

const simpleSchema = z.record(z.string(), recordListSchema)

/**
 * Reads either `test/fixtures/x2crm/fixture/api-dump.json` (`{meta, records: {Class: [...]}, users, fields, tags,
 * dropdowns, relationships}`) or the simple shape `{ "Accounts": [records], "Contacts": [records] }`.
 *
 * The dump carries no API keys or roles: `admin` gets `admin-test-key-0000000000000000` and `jsmith` the literal
 * key `REDACTED` (as in the fixture's SQL), and every user but `admin` has no role (the fixture assigns none).
 * The simple shape gets an `admin` user with key `admin-test-key-0000000000000000` ({@link FIXTURE_ADMIN_KEY}),
 * the default field rows of a fresh install, and its values typed as the API types them on GET.
 * Both get default fields for the module classes they lack (e.g. BugReports), so those answer `[]`, not 500.
 */
export function loadDump(json: unknown): X2crmDataset {
  const isDump =
    typeof json === 'object' && json !== null && 'records' in json && !Array.isArray(json.records)
  return isDump ? fromDump(dumpSchema.parse(json)) : fromSimple(simpleSchema.parse(json))
}

function fromDump(dump: z.infer<typeof dumpSchema>): X2crmDataset {
  const users = dump.users ?? [userRow({ id: 1, username: 'admin', emailAddress: 'admin@example.com' })]
  const access: Record<string, UserAccess> = {}
  for (const user of users) {
    if (typeof user.username === 'string')
      access[user.username] = user.username === 'admin' ? 'admin' : 'noRole'
  }
  const apiKeys: Record<string, string> = { admin: FIXTURE_ADMIN_KEY }
  if (users.some((user) => user.username === 'jsmith')) apiKeys.jsmith = 'REDACTED'
  const dataset: X2crmDataset = {
    records: { ...dump.records },
    users,
    fields: { ...(dump.fields ?? {}) },
    apiKeys,
    tags: dump.tags ?? {},
    dropdowns: dump.dropdowns ?? defaultDropdowns(),
    relationships: dump.relationships ?? [],
    access,
  }
  addDefaultClasses(dataset)
  return dataset
}

function fromSimple(simple: Record<string, Record<string, unknown>[]>): X2crmDataset {
  const dataset: X2crmDataset = {
    records: {},
    users: [userRow({ id: 1, username: 'admin', emailAddress: 'admin@example.com' })],
    fields: {},
    apiKeys: { admin: FIXTURE_ADMIN_KEY },
    dropdowns: defaultDropdowns(),
    relationships: [],
  }
  addDefaultClasses(dataset)
  for (const [className, records] of Object.entries(simple)) {
    const fields = dataset.fields[className] ?? fieldRowsFromRecords(className, records)
    dataset.fields[className] = fields
    dataset.records[className] = records.map((record) => typeRecord(record, fields))
  }
  return dataset
}

function addDefaultClasses(dataset: X2crmDataset): void {
  let nextFieldId = 1 + Math.max(0, ...Object.values(dataset.fields).flatMap((rows) => rows.map(numericId)))
  for (const className of moduleModelTitles().keys()) {
    if (!dataset.fields[className]) {
      dataset.fields[className] = defaultFieldRows(className, nextFieldId)
      nextFieldId += dataset.fields[className].length
    }
    dataset.records[className] ??= []
  }
}

function numericId(row: Record<string, unknown>): number {
  return typeof row.id === 'number' ? row.id : 0
}

function fieldRowsFromRecords(
  className: string,
  records: Record<string, unknown>[],
): Record<string, unknown>[] {
  const names = [...new Set(records.flatMap((record) => Object.keys(record)))]
  return names.map((fieldName, index) => ({
    id: index + 1,
    modelName: className,
    fieldName,
    attributeLabel: fieldName,
    modified: 0,
    custom: 0,
    type: records.some((record) => typeof record[fieldName] === 'number') ? 'int' : 'varchar',
    required: 0,
    uniqueConstraint: fieldName === 'id' ? 1 : 0,
    safe: 1,
    readOnly: 0,
    linkType: null,
    searchable: 0,
    relevance: '',
    isVirtual: 0,
    defaultValue: null,
    keyType: fieldName === 'id' ? 'PRI' : null,
    data: null,
    description: null,
  }))
}

const integerTypes = new Set(['int', 'date', 'dateTime', 'boolean', 'visibility', 'rating'])

/** Types a record's values as GET does: integer columns as numbers, decimals as strings with two places. */
export function typeRecord(
  record: Record<string, unknown>,
  fields: readonly Record<string, unknown>[],
): X2crmRecord {
  const typeOf = new Map(fields.map((field) => [field.fieldName, field.type]))
  const typed: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(record)) {
    const type = name === 'id' ? 'int' : typeOf.get(name)
    if (
      typeof type === 'string' &&
      integerTypes.has(type) &&
      typeof value === 'string' &&
      /^-?\d+$/.test(value)
    ) {
      typed[name] = Number(value)
    } else if (typeof value === 'boolean' && typeof type === 'string' && integerTypes.has(type)) {
      typed[name] = value ? 1 : 0
    } else if (type === 'currency' && typeof value === 'number') {
      typed[name] = value.toFixed(2)
    } else {
      typed[name] = value
    }
  }
  return typed
}
