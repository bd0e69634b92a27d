import type { X2crmRecord } from '../source/x2crm/types.ts'

/** One rule of a dynamic X2CRM list (`x2_list_criteria`). */
export interface ListCriterionInput {
  listId: number
  attribute: string
  comparison: string
  value: string
}

/** A dynamic list to rebuild: x2d365 creates it as an empty marketing list, its rule cannot migrate as data. */
export interface DynamicListItem {
  id: number
  name: string
  /** The class its members are of (`Contacts`). */
  model: string
  /** How the rules combine: AND or OR. */
  logic: string
  /** `attribute comparison value`, one per rule; empty when the database was not read. */
  criteria: string[]
  rebuild: string
}

const text = (value: unknown) =>
  typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : ''

/** X2CRM's comparison operators in words (X2List criteria). */
const COMPARISONS: Readonly<Record<string, string>> = {
  '=': 'equals',
  '<>': 'is not',
  '>': 'is greater than',
  '<': 'is less than',
  contains: 'contains',
  noContains: 'does not contain',
  empty: 'is empty',
  notEmpty: 'is not empty',
  list: 'is one of',
  notList: 'is not one of',
}

/**
 * The dynamic lists among X2CRM's lists, each with its rules in words and how to rebuild it: a dynamic marketing list
 * in Dynamics 365 is a query (Advanced Find), which the list's rules become by hand. Pure.
 */
export function describeDynamicLists(
  lists: readonly X2crmRecord[],
  criteria: readonly ListCriterionInput[] | undefined,
): DynamicListItem[] {
  return lists
    .filter((list) => text(list['type']).toLowerCase() === 'dynamic')
    .map((list) => {
      const id = Number(list['id'])
      const model = text(list['modelName']) || 'Contacts'
      const logic = text(list['logicType']) || 'AND'
      const rules = (criteria ?? [])
        .filter((c) => c.listId === id)
        .map((c) => {
          const comparison = COMPARISONS[c.comparison] ?? c.comparison
          return ['empty', 'notEmpty'].includes(c.comparison)
            ? `${c.attribute} ${comparison}`
            : `${c.attribute} ${comparison} "${c.value}"`
        })
      const table = model === 'Accounts' ? 'account' : model === 'X2Leads' ? 'lead' : 'contact'
      return {
        id,
        name: text(list['name']),
        model,
        logic,
        criteria: rules,
        rebuild:
          `A dynamic marketing list of ${table} (Marketing List → Type: Dynamic → Manage members: a query with these rules` +
          `${rules.length > 1 ? `, combined with ${logic}` : ''}); x2d365 creates the list empty and moves no members for it` +
          `${criteria === undefined ? '. Its rules are in x2_list_criteria (configure source.mysql to list them here)' : ''}`,
      }
    })
}

/** The dynamic lists as a Markdown section. */
export function dynamicListsMarkdown(items: readonly DynamicListItem[], md: (s: string) => string): string[] {
  const lines = ['', `## Dynamic marketing lists (${items.length})`]
  if (items.length === 0)
    return [...lines, '', 'None: every X2CRM list is static, and migrates with its members.']
  for (const item of items) {
    lines.push('', `### ${md(item.name)} (list ${item.id}, ${md(item.model)})`, '')
    if (item.criteria.length === 0) lines.push('- Rules: (not read)')
    for (const rule of item.criteria) lines.push(`- ${md(rule)}`)
    lines.push(`- Build: ${md(item.rebuild)}`)
  }
  return lines
}
