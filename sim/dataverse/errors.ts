import { textResponse } from '../serve.ts'
/**
 * Dataverse error bodies: `{"error":{"code":"0x…","message":"…"}}` with
 * Content-Type `application/json; odata.metadata=minimal` (webapi.md §2.7).
 */
export class DataverseFault extends Error {
  override name = 'DataverseFault'
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
  }
}

export const jsonContentType = 'application/json; odata.metadata=minimal'

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return textResponse(JSON.stringify(body), {
    status,
    headers: { 'content-type': jsonContentType, 'odata-version': '4.0', ...headers },
  })
}

export function faultResponse(fault: DataverseFault): Response {
  return jsonResponse(fault.status, { error: { code: fault.code, message: fault.message } }, fault.headers)
}

const payloadHelp =
  'For more information on this error please follow this help link https://go.microsoft.com/fwlink/?linkid=2195293  ----> InnerException : Microsoft.OData.ODataException: '

/** 400 0x80048d19: the OData reader rejected the JSON body (webapi.md §2.5, §2.7) [C]. */
export function payloadFault(entitySet: string, inner: string): DataverseFault {
  return new DataverseFault(
    400,
    '0x80048d19',
    `Error identified in Payload provided by the user for Entity :'${entitySet}', ${payloadHelp}${inner}`,
  )
}

export const faults = {
  unknownProperty: (entitySet: string, table: string, property: string) =>
    payloadFault(
      entitySet,
      `The property '${property}' does not exist on type 'Microsoft.Dynamics.CRM.${table}'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
    ),
  unknownNavigation: (entitySet: string, nav: string) =>
    payloadFault(
      entitySet,
      `An undeclared property '${nav}' which only has property annotations in the payload but no property value was found in the payload. In OData, only declared navigation properties and declared named streams can be represented as properties without values.`,
    ),
  lookupWrittenDirectly: (entitySet: string) =>
    payloadFault(
      entitySet,
      'CRM do not support direct update of Entity Reference properties, Use Navigation properties instead.',
    ),
  /** webapi.md §2.7 [D]: "<table> With Id = <guid> Does Not Exist" */
  notFound: (table: string, id: string) =>
    new DataverseFault(404, '0x80040217', `${table} With Id = ${id} Does Not Exist`),
  /** webapi.md §2.7 [D] */
  tooLong: (table: string, column: string, max: number) =>
    new DataverseFault(
      400,
      '0x80044331',
      `A validation error occurred.  The length of the '${column}' attribute of the '${table}' entity exceeded the maximum allowed length of '${max}'.`,
    ),
  /** webapi.md §2.7: message [U] expected pattern; code [U] (validation family). */
  outOfRange: (table: string, column: string, value: number) =>
    new DataverseFault(
      400,
      '0x80044331',
      `A validation error occurred.  The value ${value} of '${column}' on record of type '${table}' is outside the valid range.`,
    ),
  /** [C] community report: 0x80048408 "2 is not a valid status code for state code AccountState.Active on account with Id …" */
  invalidStatus: (table: string, status: number, stateName: string, id: string) =>
    new DataverseFault(
      400,
      '0x80048408',
      `${status} is not a valid status code for state code ${stateName} on ${table} with Id ${id}.`,
    ),
  /** webapi.md §2.7: SystemRequired missing/null — code and text [U]. */
  required: (table: string, column: string) =>
    new DataverseFault(
      400,
      '0x80040203',
      `A validation error occurred.  The value for '${column}' on record of type '${table}' is required and cannot be null.`,
    ),
  /** webapi.md §1.5 [D] */
  alreadyExists: () =>
    new DataverseFault(412, '0x80040237', 'A record with matching key values already exists.'),
  /** webapi.md §1.5 [D] message; code [U] */
  versionMismatch: () =>
    new DataverseFault(
      412,
      '0x80060882',
      "The version of the existing record doesn't match the RowVersion property provided.",
    ),
  /** webapi.md §2.7 [C] */
  segmentNotFound: (segment: string) =>
    new DataverseFault(404, '0x80060888', `Resource not found for the segment '${segment}'.`),
  /** The OData query layer: unknown property in $select/$filter/$orderby [C]. */
  queryProperty: (table: string, property: string) =>
    new DataverseFault(
      400,
      '0x80060888',
      `Could not find a property named '${property}' on type 'Microsoft.Dynamics.CRM.${table}'.`,
    ),
  querySyntax: (message: string) => new DataverseFault(400, '0x80060888', message),
  /** [C] e.g. "The 'Delete' method does not support entities of type 'appmodulecomponent'. MessageProcessorCache returned MessageProcessor.Empty." */
  messageNotSupported: (message: string, table: string) =>
    new DataverseFault(
      400,
      '0x80040800',
      `The '${message}' method does not support entities of type '${table}'. MessageProcessorCache returned MessageProcessor.Empty. `,
    ),
  badRequest: (message: string) => new DataverseFault(400, '0x80040203', message),
  methodNotAllowed: (method: string) =>
    new DataverseFault(405, '0x80060888', `The HTTP method '${method}' is not allowed for this resource.`),
}

/** A value as text for an error message or a comparison (JSON for anything but a string). */
export function textOf(value: unknown): string {
  if (typeof value === 'string') return value
  return JSON.stringify(value) ?? ''
}
