import { z } from 'zod'
import { HttpError } from '../../errors.ts'

/** Why the server refused one row: what a person reads in the quarantine. */
export interface Refusal {
  httpStatus: number
  code: string
  reason: string
}

/** Statuses that say nothing about the rows: auth, timeout, throttling. */
const SYSTEMIC_4XX = new Set([401, 403, 408, 429])

const ErrorBody = z.object({
  error: z.object({ code: z.string().optional(), message: z.string().optional() }),
})

/** The table does not take this message (e.g. UpsertMultiple on `email`): no row is to blame; use `$batch`. */
export const MESSAGE_NOT_SUPPORTED = '0x80040800'

/**
 * The server's verdict on a row when a response with `status` and Dataverse's error `body` refuses the data (a 4xx
 * about the rows), else undefined: auth, throttling, 5xx, an unknown entity set or message are systemic.
 */
export function refusalOf(status: number, body: unknown, fallbackReason = ''): Refusal | undefined {
  if (status < 400 || status > 499 || SYSTEMIC_4XX.has(status)) return undefined
  const parsed = ErrorBody.safeParse(body)
  const code = (parsed.success ? parsed.data.error.code : undefined) ?? ''
  const reason =
    (parsed.success ? parsed.data.error.message : undefined) ||
    fallbackReason ||
    (typeof body === 'string' ? body.slice(0, 500) : `status ${status}`)
  if (code === MESSAGE_NOT_SUPPORTED) return undefined
  // An unknown entity set or message is a 404 too, but no row is to blame (webapi.md §2.7).
  if (status === 404 && (code === '0x80060888' || reason.startsWith('Resource not found for the segment'))) {
    return undefined
  }
  return { httpStatus: status, code, reason }
}

/** `refusalOf` for a thrown error: only an HttpError can be a refusal of the data. */
export function refusalOfError(error: unknown): Refusal | undefined {
  if (!(error instanceof HttpError)) return undefined
  return refusalOf(error.status, error.body, error.message)
}

/** Whether the error says the table does not support the bulk message it was sent. */
export function isMessageNotSupported(error: unknown): boolean {
  if (!(error instanceof HttpError)) return false
  const parsed = ErrorBody.safeParse(error.body)
  return parsed.success && parsed.data.error.code === MESSAGE_NOT_SUPPORTED
}

/**
 * What a 403 from Dataverse means for the person running x2d365: the token was good (authentication passed), but the
 * application user behind it lacks a privilege. Appended to the server's message.
 */
export function withRoleHint(status: number, detail: string | undefined): string | undefined {
  if (status !== 403) return detail
  return (
    `${detail ? `${detail}. ` : ''}Dataverse accepted the credentials but refused the request: give the application ` +
    'user of this app registration a security role with the privileges it needs (Power Platform admin center → ' +
    'the environment → Settings → Users + permissions → Application users)'
  )
}
