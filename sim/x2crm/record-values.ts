import { typeRecord } from './dataset.ts'
import type { Row } from './query.ts'
import type { ClassInfo, Store } from './store.ts'

/** How a write turns JSON input into attribute values (`X2Model::setX2Fields`, `Fields::parseValue`) and validates. */

export interface ParsedInput {
  /** Values as the model holds them in memory after the write (what a POST echoes: booleans stay `true`). */
  values: Record<string, unknown>
  /** `CActiveRecord::getErrors()` shape */
  errors: Record<string, string[]>
  /** Link fields that resolved to a record: field -> [class, id] (they create relationships). */
  links: Map<string, [string, number]>
}

/** Fields the server sets itself and ignores in input. */
const ignoredInput = new Set(['id', 'createDate', 'lastUpdated', 'nameId'])

export function parseInput(info: ClassInfo, input: Record<string, unknown>, store: Store): ParsedInput {
  const values: Record<string, unknown> = {}
  const errors: Record<string, string[]> = {}
  const links = new Map<string, [string, number]>()
  for (const field of info.fields) {
    const name = field.fieldName
    if (typeof name !== 'string' || !(name in input) || ignoredInput.has(name)) continue
    const raw = input[name]
    const label = typeof field.attributeLabel === 'string' ? field.attributeLabel : name
    switch (field.type) {
      case 'date':
      case 'dateTime':
        values[name] = parseDate(raw)
        break
      case 'int':
      case 'visibility':
      case 'rating':
        values[name] = parseInteger(raw)
        break
      case 'boolean':
        values[name] = raw === null ? null : raw === true || raw === 1 || raw === '1' || raw === 'true'
        break
      case 'email':
        if (typeof raw === 'string' && raw !== '' && !isEmail(raw)) {
          errors[name] = [`${label} is not a valid email address.`]
        }
        values[name] = raw
        break
      case 'link': {
        const target = typeof field.linkType === 'string' ? field.linkType : ''
        const resolved = resolveLink(store, target, raw)
        values[name] = resolved?.nameId ?? raw
        if (resolved) links.set(name, [target, resolved.id])
        break
      }
      default:
        values[name] = raw
    }
  }
  return { values, errors, links }
}

/** Required fields that are blank: "Name cannot be blank." (Actions have their own rules and skip this). */
export function blankRequired(info: ClassInfo, record: Record<string, unknown>, only?: ReadonlySet<string>) {
  const errors: Record<string, string[]> = {}
  if (info.name === 'Actions') return errors
  for (const field of info.fields) {
    const name = field.fieldName
    if (typeof name !== 'string' || !(field.required === 1 || field.required === '1')) continue
    if (only && !only.has(name)) continue
    const value = record[name]
    if (value === null || value === undefined || value === '') {
      errors[name] = [
        `${typeof field.attributeLabel === 'string' ? field.attributeLabel : name} cannot be blank.`,
      ]
    }
  }
  return errors
}

function isEmail(text: string): boolean {
  return /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(text)
}

function parseInteger(raw: unknown): unknown {
  if (typeof raw === 'number') return Math.trunc(raw)
  if (typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw)) return Number(raw)
  return raw === '' ? null : raw
}

/** Unix seconds stay; a date string such as "2025-03-15" is read as UTC. */
function parseDate(raw: unknown): unknown {
  if (typeof raw === 'number') return Math.trunc(raw)
  if (typeof raw !== 'string' || raw.trim() === '') return null
  if (/^-?\d+$/.test(raw.trim())) return Number(raw)
  const time = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(raw) ? raw : `${raw.replace(' ', 'T')}Z`)
  return Number.isNaN(time) ? raw : Math.floor(time / 1000)
}

/** A link value may be a `Name_ID`, a numeric id or a plain name; a match becomes `Name_ID`. */
function resolveLink(
  store: Store,
  className: string,
  raw: unknown,
): { id: number; nameId: string } | undefined {
  if (!store.classInfo(className) || (typeof raw !== 'string' && typeof raw !== 'number')) return undefined
  const text = String(raw)
  const byId = /^\d+$/.test(text) ? store.get(className, Number(text)) : undefined
  const suffix = /_(\d+)$/.exec(text)?.[1]
  const target =
    byId ??
    (suffix ? store.get(className, Number(suffix)) : undefined) ??
    store
      .rows(className)
      .find((row) => typeof row.name === 'string' && row.name.toLowerCase() === text.toLowerCase())
  if (!target) return undefined
  const id = Number(target.id)
  const nameId = typeof target.nameId === 'string' ? target.nameId : `${String(target.name)}_${id}`
  return { id, nameId }
}

/** A record as the database holds it and GET returns it: integer columns as numbers, decimals as strings. */
export function storedForm(info: ClassInfo, values: Record<string, unknown>): Row {
  return typeRecord(values, info.fields)
}

/** `name` from first and last name, and `nameId` = `${name}_${id}`, where the class has those fields. */
export function deriveNames(info: ClassInfo, record: Record<string, unknown>, id: number): void {
  if (info.attributes.has('firstName') && info.attributes.has('lastName') && info.name !== 'Accounts') {
    const parts = [record.firstName, record.lastName].filter(
      (part) => typeof part === 'string' && part !== '',
    )
    if (parts.length > 0) record.name = parts.join(' ').slice(0, 255)
  }
  if (info.attributes.has('nameId'))
    record.nameId = `${typeof record.name === 'string' ? record.name : ''}_${id}`
}
