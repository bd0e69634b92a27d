import type { TableRef } from '../target/dataverse/types.ts'

/**
 * Entity sets and primary keys of the standard tables (sim/dataverse/tables.json), so that a map resolves its
 * tables without a metadata call. Custom tables follow Dataverse's convention (`new_tag` → `new_tags`, `new_tagid`).
 */
const STANDARD: Readonly<Record<string, { entitySet: string; primaryId: string }>> = {
  account: { entitySet: 'accounts', primaryId: 'accountid' },
  contact: { entitySet: 'contacts', primaryId: 'contactid' },
  lead: { entitySet: 'leads', primaryId: 'leadid' },
  opportunity: { entitySet: 'opportunities', primaryId: 'opportunityid' },
  product: { entitySet: 'products', primaryId: 'productid' },
  pricelevel: { entitySet: 'pricelevels', primaryId: 'pricelevelid' },
  productpricelevel: { entitySet: 'productpricelevels', primaryId: 'productpricelevelid' },
  opportunityproduct: { entitySet: 'opportunityproducts', primaryId: 'opportunityproductid' },
  campaign: { entitySet: 'campaigns', primaryId: 'campaignid' },
  list: { entitySet: 'lists', primaryId: 'listid' },
  task: { entitySet: 'tasks', primaryId: 'activityid' },
  phonecall: { entitySet: 'phonecalls', primaryId: 'activityid' },
  appointment: { entitySet: 'appointments', primaryId: 'activityid' },
  email: { entitySet: 'emails', primaryId: 'activityid' },
  annotation: { entitySet: 'annotations', primaryId: 'annotationid' },
  systemuser: { entitySet: 'systemusers', primaryId: 'systemuserid' },
  activityparty: { entitySet: 'activityparties', primaryId: 'activitypartyid' },
  listmember: { entitySet: 'listmembers', primaryId: 'listmemberid' },
  uom: { entitySet: 'uoms', primaryId: 'uomid' },
  uomschedule: { entitySet: 'uomschedules', primaryId: 'uomscheduleid' },
  opportunityclose: { entitySet: 'opportunitycloses', primaryId: 'activityid' },
  transactioncurrency: { entitySet: 'transactioncurrencies', primaryId: 'transactioncurrencyid' },
  activitymimeattachment: { entitySet: 'activitymimeattachments', primaryId: 'activitymimeattachmentid' },
  incident: { entitySet: 'incidents', primaryId: 'incidentid' },
  quote: { entitySet: 'quotes', primaryId: 'quoteid' },
  quotedetail: { entitySet: 'quotedetails', primaryId: 'quotedetailid' },
  team: { entitySet: 'teams', primaryId: 'teamid' },
  businessunit: { entitySet: 'businessunits', primaryId: 'businessunitid' },
  connection: { entitySet: 'connections', primaryId: 'connectionid' },
  connectionrole: { entitySet: 'connectionroles', primaryId: 'connectionroleid' },
}

/** The TableRef of a logical table name: the standard one, the overrides given, or Dataverse's naming convention. */
export function tableRefFor(
  logicalName: string,
  overrides: { entitySet?: string | undefined; primaryId?: string | undefined } = {},
): TableRef {
  const standard = Object.hasOwn(STANDARD, logicalName) ? STANDARD[logicalName] : undefined
  return {
    logicalName,
    entitySet: overrides.entitySet ?? standard?.entitySet ?? pluralOf(logicalName),
    primaryId: overrides.primaryId ?? standard?.primaryId ?? `${logicalName}id`,
  }
}

/** Dataverse's default entity set name for a custom table. */
function pluralOf(name: string): string {
  if (/[^aeiou]y$/.test(name)) return `${name.slice(0, -1)}ies`
  if (/(s|x|z|ch|sh)$/.test(name)) return `${name}es`
  return `${name}s`
}
