/** `Contacts:1121`: X2CRM class and id. Never a Dataverse id. */
export type SourceKey = string

export function sourceKeyOf(entity: string, id: number | string): SourceKey {
  return `${entity}:${id}`
}
