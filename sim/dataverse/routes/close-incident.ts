import type { SimRequest } from '../../serve.ts'
import { DataverseFault, faults, payloadFault, textOf } from '../errors.ts'
import { createRow, updateRow } from '../write/apply.ts'
import { readPayload } from '../write/payload.ts'
import { noContent, type ApiContext } from './context.ts'

/** Resolved statuses of an incident (statecode 1): Problem Solved, Information Provided. */
const RESOLVED_STATUSES: ReadonlySet<number> = new Set([5, 1000])

/**
 * POST CloseIncident `{ "IncidentResolution": { "subject": …, "incidentid@odata.bind": "/incidents(<id>)" },
 * "Status": 5 }`: an unbound action that creates the incidentresolution activity and resolves the case
 * (statecode 1, statuscode `Status`, 5 Problem Solved or 1000 Information Provided) [D].
 * https://learn.microsoft.com/en-us/previous-versions/dynamicscrm-2016/developers-guide/mt607498(v=crm.8)
 * https://learn.microsoft.com/en-us/dotnet/api/microsoft.crm.sdk.messages.closeincidentrequest
 * A case already resolved or cancelled cannot be closed again (reactivate it first) [U exact text].
 */
export async function closeIncident(context: ApiContext, request: SimRequest): Promise<Response> {
  if (request.method !== 'POST') throw faults.methodNotAllowed(request.method)
  context.count('CloseIncident')
  const text = await request.text()
  let body: unknown
  try {
    body = text === '' ? {} : JSON.parse(text)
  } catch {
    throw payloadFault('CloseIncident', 'Invalid JSON. A token was not recognized in the JSON content.')
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw payloadFault('CloseIncident', 'The request body must be a JSON object.')
  const { IncidentResolution: resolution, Status: status } = body as Record<string, unknown>
  if (typeof status !== 'number' || !Number.isInteger(status))
    throw payloadFault(
      'CloseIncident',
      `Cannot convert the literal '${textOf(status)}' to the expected type 'Edm.Int32'.`,
    )
  if (!RESOLVED_STATUSES.has(status)) throw faults.invalidStatus('incident', status, 'Resolved', '')
  if (typeof resolution !== 'object' || resolution === null || Array.isArray(resolution))
    throw payloadFault(
      'CloseIncident',
      `The parameter 'IncidentResolution' of 'CloseIncident' is missing or is not an incidentresolution entity.`,
    )
  const incidents = context.catalog.byName('incident')
  const resolutions = context.catalog.byName('incidentresolution')
  if (!incidents || !resolutions) throw faults.segmentNotFound('incidentresolution')
  const fields = Object.fromEntries(Object.entries(resolution).filter(([k]) => k !== '@odata.type'))
  if (fields['incidentid@odata.bind'] === undefined)
    throw faults.badRequest(
      `'IncidentResolution' must bind the case: "incidentid@odata.bind": "/incidents(<id>)".`,
    )
  await context.store.atomically(() => {
    const changes = readPayload(fields, { ...context, table: resolutions, mode: 'create' })
    const ref = changes.lookups.incidentid
    const incident = ref ? context.store.get('incident', ref.id) : undefined
    if (!ref || !incident) throw faults.notFound('incident', ref?.id ?? '')
    if (incident.values.statecode !== 0) {
      throw new DataverseFault(
        400,
        '0x80040203',
        `The case with Id = ${incident.id} is already resolved or cancelled; reactivate it (statecode 0) first.`,
      )
    }
    // The resolution is a closed activity (Completed, statuscode 2), as the platform writes it.
    createRow(resolutions, changes, context)
    updateRow(incidents, incident, { values: { statecode: 1, statuscode: status }, lookups: {} }, context, {
      viaCloseIncident: true,
    })
  })
  return noContent()
}
