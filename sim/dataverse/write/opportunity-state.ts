import { DataverseFault } from '../errors.ts'
import type { StoredRow } from '../store.ts'
import type { Changes } from './payload.ts'

/**
 * A won or lost opportunity is read-only until it is reopened [D]: "When you close an opportunity, the opportunity is
 * marked as complete, and can't be changed. To make further changes to an opportunity, you can reopen it."
 * https://learn.microsoft.com/en-us/troubleshoot/dynamics-365/sales/troubleshoot-opportunities-issues
 * Reopening is a write of statecode 0 (Open) with an open status (the Reopen command's SetState), accepted with other
 * columns in the same request; any other change of a closed opportunity is refused (code and text [U]).
 */
export function checkOpportunityWrite(existing: StoredRow, changes: Changes, viaCloseAction: boolean): void {
  if (existing.table !== 'opportunity' || viaCloseAction) return
  const state = existing.values.statecode
  if (state === undefined || state === null || state === 0 || changes.values.statecode === 0) return
  throw new DataverseFault(
    400,
    '0x80040203',
    `The opportunity with Id = ${existing.id} is closed and cannot be changed; reopen it (statecode 0) first.`,
  )
}
