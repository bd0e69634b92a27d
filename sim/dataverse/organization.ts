import type { TableJson } from './tables.ts'

/**
 * The `organization` table: one row, the environment's settings. Only the columns the simulator
 * acts on are modelled. `maxuploadfilesize` (bytes, on the Base64 text) bounds
 * `annotation.documentbody` and `activitymimeattachment.body`: default 5,242,880, at most
 * 131,072,000 (webapi.md §5.2 [D]); an administrator changes it with a PATCH.
 * https://learn.microsoft.com/en-us/power-apps/developer/data-platform/reference/entities/organization
 * https://learn.microsoft.com/en-us/power-apps/developer/data-platform/annotation-file-attachment#file-size-limits
 */
export const organizationTable: TableJson = {
  entitySet: 'organizations',
  primaryId: 'organizationid',
  primaryName: 'name',
  ownershipType: 'None',
  columns: [
    { name: 'organizationid', type: 'Uniqueidentifier', primaryId: true, required: 'SystemRequired' },
    {
      name: 'name',
      type: 'String',
      maxLength: 160,
      primaryName: true,
      required: 'SystemRequired',
      readOnly: true,
    },
    {
      name: 'maxuploadfilesize',
      type: 'Integer',
      required: 'SystemRequired',
      minValue: 0,
      maxValue: 131_072_000,
      note: 'bytes of Base64 text an attachment or note may hold [D]',
    },
    { name: 'basecurrencyid', type: 'Lookup', target: ['transactioncurrency'], readOnly: true },
    { name: 'createdon', type: 'DateTime', readOnly: true },
    { name: 'modifiedon', type: 'DateTime', readOnly: true },
    { name: 'versionnumber', type: 'BigInt', readOnly: true },
  ],
}

/** organization.maxuploadfilesize default, measured on the Base64 text (webapi.md §5.2 [D]). */
export const defaultMaxUploadBytes = 5_242_880

/** Columns whose Base64 text maxuploadfilesize bounds: a note's file and an email attachment's. */
export const uploadColumns: ReadonlySet<string> = new Set([
  'annotation.documentbody',
  'activitymimeattachment.body',
])
