import { DataverseFault, payloadFault, textOf } from '../errors.ts'
import { guidFrom, isGuid } from '../guid.ts'
import type { Catalog, ColumnJson } from '../tables.ts'
import { label, labelText } from './definitions.ts'

/** A global choice (OptionSetMetadata with IsGlobal true); its columns share its `options` array. */
export interface GlobalOptionSet {
  metadataId: string
  name: string
  displayName: string
  options: NonNullable<ColumnJson['options']>
}

export type GlobalOptionSets = Map<string, GlobalOptionSet>

/** OptionSetMetadata as `GlobalOptionSetDefinitions` returns it. */
export function optionSetDefinition(set: GlobalOptionSet): Record<string, unknown> {
  return {
    '@odata.type': '#Microsoft.Dynamics.CRM.OptionSetMetadata',
    MetadataId: set.metadataId,
    Name: set.name,
    IsGlobal: true,
    IsCustomOptionSet: true,
    OptionSetType: 'Picklist',
    DisplayName: label(set.displayName),
    Options: set.options.map((o) => ({ Value: o.value, Label: label(o.label) })),
  }
}

/** `<guid>`, `Name='x'` or `'x'` in `GlobalOptionSetDefinitions(…)` or a bind. */
export function findOptionSet(sets: GlobalOptionSets, key: string): GlobalOptionSet | undefined {
  const name = /^(?:Name=)?'([^']*)'$/.exec(key)?.[1]
  if (name !== undefined) return [...sets.values()].find((s) => s.name.toLowerCase() === name.toLowerCase())
  return isGuid(key) ? [...sets.values()].find((s) => s.metadataId === key.toLowerCase()) : undefined
}

/**
 * Reads a POSTed global OptionSetMetadata: a prefixed `Name`, options numbered from the
 * publisher's option value prefix when they carry no `Value`.
 * https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/create-update-optionsets
 */
export function optionSetFromPayload(
  body: Record<string, unknown>,
  sets: GlobalOptionSets,
  checkName: (name: unknown) => string,
  optionValuePrefix: number,
): GlobalOptionSet {
  const name = checkName(body.Name)
  if (findOptionSet(sets, `'${name}'`)) {
    // [U] code and text of a duplicate global option set name
    throw new DataverseFault(400, '0x80044363', `An option set with the name '${name}' already exists.`)
  }
  if (body.IsGlobal === false) throw payloadFault('GlobalOptionSetDefinitions', "'IsGlobal' must be true.")
  if (!Array.isArray(body.Options))
    throw payloadFault('GlobalOptionSetDefinitions', "A global choice needs 'Options'.")
  const seen = new Set<number>()
  const options = (body.Options as unknown[]).map((raw, i) => {
    const option = (raw ?? {}) as { Value?: unknown; Label?: unknown }
    const value = typeof option.Value === 'number' ? option.Value : optionValuePrefix * 10_000 + i
    if (seen.has(value))
      throw new DataverseFault(400, '0x80040203', `The option value ${value} is used more than once.`)
    seen.add(value)
    return { value, label: labelText(option.Label) ?? String(value) }
  })
  return {
    metadataId: guidFrom(`optionset:${name.toLowerCase()}`),
    name,
    displayName: labelText(body.DisplayName) ?? name,
    options,
  }
}

/** `GlobalOptionSet@odata.bind: "/GlobalOptionSetDefinitions(<id>)"` on a new choice column. */
export function boundOptionSet(
  body: Record<string, unknown>,
  sets: GlobalOptionSets,
): GlobalOptionSet | undefined {
  const bind = body['GlobalOptionSet@odata.bind']
  if (bind === undefined) return undefined
  const key = /GlobalOptionSetDefinitions\((.*)\)$/.exec(textOf(bind))?.[1]
  const set = key === undefined ? undefined : findOptionSet(sets, key)
  if (!set) {
    throw new DataverseFault(404, '0x80040217', `Could not find the global option set '${textOf(bind)}'.`)
  }
  return set
}

/** Columns that use a global choice (a delete must wait until none does). */
export function columnsUsing(catalog: Catalog, set: GlobalOptionSet): string[] {
  return catalog
    .tables()
    .flatMap((t) =>
      t.columns.filter((c) => c.globalOptionSet === set.name).map((c) => `${t.logicalName}.${c.name}`),
    )
}
