import { Document, isMap, isScalar, parseDocument, YAMLMap } from 'yaml'
import { parseOwnerDecisions } from '../config/owner-decisions.ts'

/** Who takes over the records of one X2CRM user or group. */
export type OwnerChoice =
  | { kind: 'user'; email: string }
  | { kind: 'team'; name: string }
  /** No decision: `x2d365 users` matches by e-mail and name, else the default owner. */
  | { kind: 'none' }

/**
 * users.yaml text + one owner's choice → the new text. Pure. A user's decision goes under `byHand`, a group's under
 * `groups` (its id): an e-mail for a Dataverse user, `{ team: <name> }` for a team (the forms `x2d365 users` reads);
 * `none` removes the decision. Keys stay sorted; comments and every other key stay; an entry in the older `teams`
 * section for this owner is moved. The result is checked with the parser `x2d365 users` uses, so the page never
 * writes a file the CLI refuses.
 */
export function setOwnerChoice(
  text: string,
  owner: string,
  choice: OwnerChoice,
  ownerKind: 'user' | 'group' = 'user',
): string {
  const document: Document = text.trim() === '' ? new Document({}) : parseDocument(text)
  if (document.errors.length > 0 || !isMap(document.contents)) {
    throw new Error('users.yaml does not parse as a map of decisions; fix it in an editor first')
  }
  const section = ownerKind === 'group' ? 'groups' : 'byHand'
  for (const old of ['byHand', 'groups', 'teams']) removeFrom(document, old, owner)
  if (choice.kind === 'user') addTo(document, section, owner, choice.email)
  if (choice.kind === 'team') addTo(document, section, owner, document.createNode({ team: choice.name }))
  const result = document.toString({ lineWidth: 0 })
  const parsed = parseOwnerDecisions(result)
  if (parsed.value === undefined)
    throw new Error(`users.yaml would not be valid: ${parsed.errors.join('; ')}`)
  return result
}

function removeFrom(document: Document, section: string, owner: string): void {
  const map = document.get(section)
  if (!isMap(map)) return
  map.delete(owner)
  if (map.items.length === 0) document.delete(section)
}

function addTo(document: Document, section: string, owner: string, value: unknown): void {
  let map = document.get(section)
  if (!isMap(map)) {
    map = new YAMLMap()
    document.set(section, map)
  }
  const target = map as YAMLMap<unknown, unknown>
  target.set(owner, value)
  target.items.sort((a, b) => keyOf(a.key).localeCompare(keyOf(b.key)))
}

const keyOf = (key: unknown) => (isScalar(key) ? String(key.value) : String(key))
