import type { SimRequest } from '../../serve.ts'
import { DataverseFault, faults, payloadFault, textOf } from '../errors.ts'
import { createRow, updateRow } from '../write/apply.ts'
import { readPayload } from '../write/payload.ts'
import { noContent, type ApiContext } from './context.ts'

export const quoteActions: ReadonlySet<string> = new Set(['WinQuote', 'CloseQuote'])

/**
 * WinQuote / CloseQuote: create the quoteclose activity from `QuoteClose` and close the quote — Won is statecode 2
 * (Status 4), Closed statecode 3 (Status 5 Lost, 6 Canceled, 7 Revised). Only an Active quote (statecode 1) can be
 * won or closed: a Draft must be activated first (PATCH statecode 1) [D: quote states Draft → Active → Won/Closed].
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/winquote
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/closequote
 * https://learn.microsoft.com/dynamics365/sales/create-edit-quote-sales (activate, then won or closed)
 */
export async function closeQuote(
  context: ApiContext,
  action: 'WinQuote' | 'CloseQuote',
  request: SimRequest,
): Promise<Response> {
  if (request.method !== 'POST') throw faults.methodNotAllowed(request.method)
  context.count(action)
  let body: Record<string, unknown>
  try {
    const text = await request.text()
    body = (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>
  } catch {
    throw payloadFault(action, 'Invalid JSON. A token was not recognized in the JSON content.')
  }
  const quotes = context.catalog.byName('quote')
  const closes = context.catalog.byName('quoteclose')
  if (!quotes || !closes) throw faults.segmentNotFound('quote')
  const won = action === 'WinQuote'
  const status = body.Status ?? (won ? 4 : 5)
  if (typeof status !== 'number' || !Number.isInteger(status)) {
    throw payloadFault(
      action,
      `Cannot convert the literal '${textOf(status)}' to the expected type 'Edm.Int32'.`,
    )
  }
  const close = body.QuoteClose
  if (typeof close !== 'object' || close === null || Array.isArray(close)) {
    throw payloadFault(
      action,
      `The parameter 'QuoteClose' of '${action}' is missing or is not a quoteclose entity.`,
    )
  }
  const fields = Object.fromEntries(Object.entries(close).filter(([k]) => k !== '@odata.type'))
  if (fields['quoteid@odata.bind'] === undefined) {
    throw faults.badRequest(`'QuoteClose' must bind the quote: "quoteid@odata.bind": "/quotes(<id>)".`)
  }
  await context.store.atomically(() => {
    const changes = readPayload(fields, { ...context, table: closes, mode: 'create' })
    const ref = changes.lookups.quoteid
    const quote = ref ? context.store.get('quote', ref.id) : undefined
    if (!ref || !quote) throw faults.notFound('quote', ref?.id ?? '')
    if (quote.values.statecode !== 1) {
      // [U] exact code and text; Dataverse wins or closes only an active quote.
      throw new DataverseFault(
        400,
        '0x80040203',
        `The quote with Id = ${quote.id} is not active (statecode ${textOf(quote.values.statecode)}); activate it (statecode 1) before ${action}.`,
      )
    }
    createRow(closes, changes, context)
    updateRow(quotes, quote, { values: { statecode: won ? 2 : 3, statuscode: status }, lookups: {} }, context)
  })
  return noContent()
}
