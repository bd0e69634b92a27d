import { listMap, servicesMap } from './default-cases.ts'
import { CONTACT, defaultMapping } from './default-map.ts'
import { salesMaps } from './default-sales.ts'
import type { Mapping } from './types.ts'

/**
 * The map `migrate`, `verify`, `delta` and `rollback` use without `--mapping` (and the demo): accounts and contacts
 * ({@link defaultMapping}), then products with their price list items, quotes and their lines (src/mapping/default-sales.ts).
 * X2CRM groups become owner teams, created where Dataverse has none of their name. A class X2CRM has no records of
 * loads nothing and prepares nothing (no unit group or price list without a product or quote). Then cases (Services →
 * incident, resolved or cancelled by status) and marketing lists (src/mapping/default-cases.ts); relationships become
 * connections when the source reads them. Tags stay `none`: every other mode writes a column or table only `schema
 * apply` creates.
 */
export function builtInMapping(): Mapping {
  const base = defaultMapping()
  const contacts = { entity: 'Contacts', table: CONTACT }
  return {
    entities: [...base.entities, ...salesMaps(), servicesMap(contacts), listMap(contacts)],
    settings: {
      publisherPrefix: 'new_',
      sourceIdColumn: 'new_x2crmid',
      tags: { mode: 'none' },
      teams: { create: true },
    },
  }
}
