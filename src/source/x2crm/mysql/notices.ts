/**
 * Something the database reader noticed and passed through instead of stopping: the record is still yielded, the
 * notice tells the user what the map or the report should look at.
 */
export interface SourceNotice {
  kind: 'unknown-action-kind' | 'missing-column' | 'missing-table'
  /** X2CRM class (`Actions`) or table (`x2_list_items`) */
  entity: string
  /** The record concerned, when the notice is about one. */
  id?: number
  message: string
}

export type OnNotice = (notice: SourceNotice) => void
