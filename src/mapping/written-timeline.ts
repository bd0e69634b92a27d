import { z } from 'zod'

/*
 * The keys of mapping.yaml that carry a customer's timeline (issue 13): an entity map that takes only some records
 * of its class (`entity:` + `when:`, Actions by type), an e-mail's parties, an opportunity's close, a note's file.
 * Kept apart from written-mapping.ts, which spreads them into its entity.
 */

const Name = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a name of letters, digits and _')

/** Dataverse's participation types of an activity party (1 sender, 2 to, 3 cc, …, 9 owner, 11 customer). */
const ParticipationType = z.number().int('must be a whole number').min(1).max(11)

/** An activity's parties: which participation type its owner and the record it is about take (1 sender, 2 to). */
export const WrittenParties = z.strictObject({ owner: ParticipationType, regarding: ParticipationType })

/** Opportunities: which values of `field` mean won and lost; the close's revenue and date fields. */
export const WrittenClose = z.strictObject({
  field: Name,
  won: z.array(z.string()).min(1),
  lost: z.array(z.string()).min(1),
  revenue: Name.optional(),
  closeDate: z.array(Name).min(1).optional(),
})

export type WrittenParties = z.output<typeof WrittenParties>
export type WrittenClose = z.output<typeof WrittenClose>

/**
 * Entity keys for the timeline, spread into WrittenEntity. `entity` names the X2CRM class when the key is a phase
 * name (`Actions→phonecall`); `when` (with `match`) takes only the records it matches, as a split's `when` does.
 * The condition schema is passed in: it is written-mapping.ts's.
 */
export function timelineKeys<C extends z.ZodType>(condition: C) {
  return {
    /** The X2CRM class, when the key is not its name (`Actions→phonecall: { entity: Actions, … }`). */
    entity: Name.optional(),
    /** Only the records these conditions take (Actions by `type`). */
    when: z.array(condition).min(1).optional(),
    match: z.enum(['any', 'all']).optional(),
    /** E-mails: the participation type of the owner and of the record it is about. */
    parties: WrittenParties.optional(),
    /** Opportunities: closed last, won or lost, with an opportunityclose. */
    close: WrittenClose.optional(),
    /** Media → annotation: the file goes into the note's documentbody. */
    attachments: z.boolean().optional(),
  }
}
