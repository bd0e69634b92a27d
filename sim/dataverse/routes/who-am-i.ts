import { jsonResponse, type ApiContext } from './context.ts'

/** GET WhoAmI (webapi.md §2.8): BusinessUnitId, UserId, OrganizationId. */
export function whoAmI(context: ApiContext): Response {
  context.count('WhoAmI')
  return jsonResponse(200, {
    '@odata.context': `${context.apiUrl}$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse`,
    BusinessUnitId: context.caller.businessUnitId,
    UserId: context.caller.systemUserId,
    OrganizationId: context.organizationId,
  })
}
