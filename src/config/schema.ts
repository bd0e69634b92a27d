import { z } from 'zod'

const envVarName = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]*$/,
    'must be the NAME of an environment variable (secrets never go in this file)',
  )

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' })

/** What the user writes in x2d365.yaml. Secrets are named, never written: `apiKeyEnv: X2CRM_API_KEY`. */
export const WrittenConfigSchema = z.strictObject({
  source: z
    .strictObject({
      x2crm: z
        .strictObject({
          /** The site URL, e.g. https://crm.example.com (index.php/api2 is added), or the API base itself. */
          url: httpUrl,
          username: z.string().min(1),
          apiKeyEnv: envVarName,
        })
        .optional(),
      /** Self-hosted X2CRM: read its MySQL/MariaDB database directly (read-only; faster; sees hidden records). */
      mysql: z
        .strictObject({
          /** mysql://user@host:3306/x2crm, or …?socket=/run/mysqld/mysqld.sock. A user with SELECT only is enough. */
          url: z
            .string()
            .regex(/^(mysql|mariadb):\/\/[^/:@]+@/, 'must be mysql://user@host:3306/database (no password)'),
          /** The password's environment variable; it may hold an empty value for a passwordless local user. */
          passwordEnv: envVarName,
          /** Tables of custom modules' classes, e.g. { Vendors: x2_vendors } */
          tables: z.record(z.string().regex(/^[A-Z]\w*$/), z.string().regex(/^\w+$/)).optional(),
          /** Id ranges read at once (1–16); by default from the round trip to the database: 3 nearby, up to 8. */
          pagesAtOnce: z.number().int().min(1).max(16).optional(),
        })
        .optional(),
      /** Attachment files: a copy of the server's uploads/ folder, or the site for getFile downloads. */
      uploads: z
        .strictObject({ dir: z.string().min(1).optional(), httpBase: httpUrl.optional() })
        .refine((u) => u.dir !== undefined || u.httpBase !== undefined, 'set dir, httpBase, or both')
        .optional(),
    })
    .refine((s) => s.x2crm !== undefined || s.mysql !== undefined, {
      message: 'configure source.x2crm (the API), source.mysql (the database), or both',
    }),
  target: z.strictObject({
    dataverse: z.strictObject({
      /** The environment URL, e.g. https://contoso.crm4.dynamics.com */
      url: httpUrl,
      /** https://login.microsoftonline.com/<tenant id> */
      authority: httpUrl,
      clientId: z.string().min(1),
      clientSecretEnv: envVarName,
      /**
       * More application users to share the load: service protection limits count per user, so each one adds its
       * own budget. Each needs the same security role as the first.
       */
      additionalAppUsers: z
        .array(z.strictObject({ clientId: z.string().min(1), clientSecretEnv: envVarName }))
        .optional(),
      /** A PEM file of an extra certificate authority to trust (the simulator's certificate). */
      caFile: z.string().min(1).optional(),
    }),
  }),
  run: z
    .strictObject({
      /** Names the source in deterministic target ids. Never change it between runs of one migration. */
      instance: z.string().min(1).optional(),
      ledger: z.string().min(1).default('.x2d365/ledger.sqlite'),
      /** The confirmed map (`x2d365 map propose`, then `map confirm`); without one, the built-in Accounts/Contacts map. */
      mapping: z.string().min(1).optional(),
      /** Owner decisions (`x2d365 users --help`): users mapped by hand, the default owner, inactive users. */
      users: z.string().min(1).default('users.yaml'),
      batchSize: z.number().int().min(1).max(1000).default(100),
      /** E-mail of the systemuser that owns records whose X2CRM owner has no Dataverse user. */
      defaultOwnerEmail: z.email().optional(),
      delta: z
        .strictObject({
          /** What `x2d365 delta` does with the row of a record deleted in X2CRM. */
          deletions: z.enum(['deactivate', 'delete', 'ignore']).default('deactivate'),
        })
        .optional(),
    })
    .default({ ledger: '.x2d365/ledger.sqlite', batchSize: 100, users: 'users.yaml' }),
})

export type WrittenConfig = z.input<typeof WrittenConfigSchema>
