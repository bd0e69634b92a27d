import { DataverseFault, textOf } from './errors.ts'
import type { SchemaSettings } from './metadata/schema.ts'
import type { Store, StoredRow } from './store.ts'
import type { TableJson } from './tables.ts'

/**
 * `publisher` and `solution`, the columns the simulator acts on. A solution's publisher gives the
 * customization prefix every new schema name must start with and the option value prefix of new
 * choices; metadata writes name their solution with the `MSCRM.SolutionUniqueName` header, else
 * they go to the Default solution and its publisher.
 * https://learn.microsoft.com/en-us/power-apps/developer/data-platform/reference/entities/publisher
 * https://learn.microsoft.com/en-us/power-apps/developer/data-platform/reference/entities/solution
 * https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/create-update-entity-definitions-using-web-api#create-table-definitions
 */
export const publisherTable: TableJson = {
  entitySet: 'publishers',
  primaryId: 'publisherid',
  primaryName: 'friendlyname',
  ownershipType: 'OrganizationOwned',
  columns: [
    { name: 'publisherid', type: 'Uniqueidentifier', primaryId: true, required: 'SystemRequired' },
    { name: 'uniquename', type: 'String', maxLength: 256, required: 'SystemRequired' },
    { name: 'friendlyname', type: 'String', maxLength: 256, required: 'SystemRequired', primaryName: true },
    {
      name: 'customizationprefix',
      type: 'String',
      maxLength: 8,
      required: 'SystemRequired',
      note: '2 to 8 letters or digits, starting with a letter, not "mscrm" [D]',
    },
    {
      name: 'customizationoptionvalueprefix',
      type: 'Integer',
      required: 'SystemRequired',
      minValue: 10_000,
      maxValue: 99_999,
    },
    { name: 'description', type: 'Memo', maxLength: 2000 },
    { name: 'createdon', type: 'DateTime', readOnly: true },
    { name: 'modifiedon', type: 'DateTime', readOnly: true },
    { name: 'versionnumber', type: 'BigInt', readOnly: true },
  ],
}

export const solutionTable: TableJson = {
  entitySet: 'solutions',
  primaryId: 'solutionid',
  primaryName: 'friendlyname',
  ownershipType: 'OrganizationOwned',
  columns: [
    { name: 'solutionid', type: 'Uniqueidentifier', primaryId: true, required: 'SystemRequired' },
    { name: 'uniquename', type: 'String', maxLength: 65, required: 'SystemRequired' },
    { name: 'friendlyname', type: 'String', maxLength: 256, required: 'SystemRequired', primaryName: true },
    {
      name: 'publisherid',
      type: 'Lookup',
      required: 'SystemRequired',
      target: ['publisher'],
      nav: { publisher: 'publisherid' },
    },
    { name: 'version', type: 'String', maxLength: 256, required: 'SystemRequired' },
    { name: 'ismanaged', type: 'Boolean', readOnly: true },
    { name: 'description', type: 'Memo', maxLength: 2000 },
    { name: 'createdon', type: 'DateTime', readOnly: true },
    { name: 'modifiedon', type: 'DateTime', readOnly: true },
    { name: 'versionnumber', type: 'BigInt', readOnly: true },
  ],
}

/** A publisher's customization prefix: 2–8 letters or digits, a letter first, not starting with "mscrm" [D publisher page]. */
export function checkPublisherPrefix(prefix: unknown): void {
  if (prefix === undefined) return
  if (typeof prefix !== 'string' || !/^[A-Za-z][A-Za-z0-9]{1,7}$/.test(prefix) || /^mscrm/i.test(prefix)) {
    // [U] code and text
    throw new DataverseFault(
      400,
      '0x80040203',
      `The customization prefix '${textOf(prefix)}' is not valid: use 2 to 8 letters or digits, starting with a letter and not with 'mscrm'.`,
    )
  }
}

/**
 * The schema settings of a metadata write: those of the named solution's publisher
 * (`MSCRM.SolutionUniqueName`), else of the Default solution's. An unknown solution name is refused.
 */
export function schemaForSolution(
  store: Store,
  base: SchemaSettings,
  solutionName: string | undefined,
): SchemaSettings {
  const name = (solutionName?.trim() || 'Default').toLowerCase()
  const solution = store
    .list('solution')
    .find((row) => typeof row.values.uniquename === 'string' && row.values.uniquename.toLowerCase() === name)
  if (!solution) {
    // [U] code and text of an unknown MSCRM.SolutionUniqueName
    throw new DataverseFault(
      404,
      '0x80040217',
      `solution With uniquename = ${solutionName ?? 'Default'} Does Not Exist. Create the solution first or correct the MSCRM.SolutionUniqueName header.`,
    )
  }
  const publisherRef = solution.lookups.publisherid
  const publisher: StoredRow | undefined = publisherRef && store.get('publisher', publisherRef.id)
  const prefix = publisher?.values.customizationprefix
  const optionPrefix = publisher?.values.customizationoptionvalueprefix
  return {
    ...base,
    customizationPrefix: typeof prefix === 'string' ? prefix : base.customizationPrefix,
    optionValuePrefix: typeof optionPrefix === 'number' ? optionPrefix : base.optionValuePrefix,
  }
}
