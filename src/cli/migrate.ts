import { runCli } from './run-cli.js';

// openRuntime migrates; this tool only reports where the schema stands.
await runCli('migrate', async ({ runtime }) => {
  const rows = await runtime.database.db
    .selectFrom('kysely_migration' as never)
    .select(['name' as never])
    .execute();
  process.stdout.write(`database is up to date: ${rows.length} migrations applied\n`);
});
