import { DataverseFault } from '../errors.ts'
import type { StoredRow } from '../store.ts'

/**
 * A won or closed quote (statecode 2 Won, 3 Closed) is read-only: Dataverse changes it no more, and a new draft comes
 * only from ReviseQuote (a new revision of the quote) [D]: "Quotes: Only draft quotes can be deleted. You can select
 * Revise ... to return an active quote to draft status" and the quote lifecycle Draft → Active → Won/Closed.
 * http://rc.crm.dynamics.com/rc/regcont/en_us/Live/help/source_rec_delete_specialcases.htm
 * https://learn.microsoft.com/previous-versions/dynamicscrm-2016/developers-guide/mt607543(v=crm.8) (ReviseQuote)
 * Any write of a won or closed quote is refused (code and text [U]). Deleting one is left accepted [U]: the old help
 * says only drafts, which the simulator does not encode (rollback deletes the quotes its run created).
 */
export function checkQuoteWrite(existing: StoredRow): void {
  if (existing.table !== 'quote') return
  const state = existing.values.statecode
  if (state !== 2 && state !== 3) return
  throw new DataverseFault(
    400,
    '0x80040203',
    `The quote with Id = ${existing.id} is ${state === 2 ? 'won' : 'closed'} and cannot be changed; revise it (ReviseQuote) to get a new draft.`,
  )
}
