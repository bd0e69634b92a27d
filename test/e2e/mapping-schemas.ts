import { readFileSync } from 'node:fs'
import type { SourceSchema, TargetSchema } from '../../src/mapping/schemas.ts'

interface DefaultsJson {
  models: Record<
    string,
    { fields: { fieldName: string; attributeLabel: string; type: string; linkType?: string | null }[] }
  >
  dropdowns: { id: number; name: string; options: Record<string, string>; multi: number | boolean }[]
}

/** X2CRM 7.1 default fields and dropdowns (sim/x2crm/defaults.json, from docs/x2crm/fields.json). */
export function defaultSourceSchema(): SourceSchema {
  const json = JSON.parse(
    readFileSync(new URL('../../sim/x2crm/defaults.json', import.meta.url), 'utf8'),
  ) as DefaultsJson
  return {
    entities: Object.fromEntries(
      Object.entries(json.models).map(([entity, model]) => [
        entity,
        model.fields.map((f) => ({
          fieldName: f.fieldName,
          attributeLabel: f.attributeLabel,
          type: f.type,
          linkType: f.linkType ?? null,
          custom: false,
          required: false,
          readOnly: false,
        })),
      ]),
    ),
    dropdowns: json.dropdowns.map((d) => ({
      id: d.id,
      name: d.name,
      options: d.options,
      multi: Boolean(d.multi),
    })),
  }
}

/** The standard Dataverse tables (sim/dataverse/tables.json). */
export function defaultTargetSchema(): TargetSchema {
  return JSON.parse(
    readFileSync(new URL('../../sim/dataverse/tables.json', import.meta.url), 'utf8'),
  ) as TargetSchema
}
