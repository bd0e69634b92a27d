import type { TeamSettings } from './types.ts'

/** An X2CRM group (`x2_groups`) and the usernames of its members (`x2_group_to_user`, database only). */
export interface X2crmGroup {
  id: number
  name: string
  members: readonly string[]
}

/** A Dataverse team as `GET teams` returns it. */
export interface TeamRow {
  teamid: string
  name: string
  /** 0 owner, 1 access, 2 Entra ID security group, 3 Entra ID Office group. */
  teamtype: number
}

/** What becomes of one group: its team (found, or to create), or why records assigned to it get no team. */
export type TeamDecision =
  | { groupId: number; group: string; team: string; status: 'matched'; teamId: string; teamType: number }
  | { groupId: number; group: string; team: string; status: 'create'; teamId: string }
  | { groupId: number; group: string; team: string; status: 'unresolved'; reason: string }

/** Team types that can own records: owner teams and Entra ID group teams; access teams cannot. */
const OWNING = new Set([0, 2, 3])

/**
 * Each X2CRM group → the Dataverse team of its name (or of the name `settings.names` gives it), compared ignoring case
 * and surrounding space, among teams that can own records; no such team → one to create (under `idFor`'s
 * deterministic id) when `settings.create`, else unresolved with what to do. Pure.
 * https://learn.microsoft.com/power-apps/developer/data-platform/manage-teams (owner teams own records; access
 * teams do not)
 */
export function matchTeams(
  groups: readonly X2crmGroup[],
  teams: readonly TeamRow[],
  settings: TeamSettings,
  idFor: (groupId: number) => string,
): TeamDecision[] {
  const key = (name: string) => name.trim().toLowerCase()
  return groups.map((group) => {
    const team = settings.names?.[group.name] ?? group.name
    const base = { groupId: group.id, group: group.name, team }
    const named = teams.filter((t) => key(t.name) === key(team))
    const owning = named.find((t) => OWNING.has(t.teamtype))
    if (owning !== undefined)
      return { ...base, status: 'matched', teamId: owning.teamid, teamType: owning.teamtype }
    if (named.length > 0) {
      return {
        ...base,
        status: 'unresolved',
        reason: `the Dataverse team "${team}" is an access team, which cannot own records; name an owner team in mapping.yaml settings.teams.names`,
      }
    }
    if (settings.create === true) return { ...base, status: 'create', teamId: idFor(group.id) }
    return {
      ...base,
      status: 'unresolved',
      reason: `no Dataverse team is named "${team}"; create it, name one in settings.teams.names, or set settings.teams.create: true`,
    }
  })
}
