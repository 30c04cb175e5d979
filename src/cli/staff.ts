import type { StaffRole } from '../db/schema.js';
import { STAFF_ROLES } from '../domain/staff/staff-service.js';
import { runCli, UsageError } from './run-cli.js';

const USAGE = `usage:
  npm run staff -- create <email> <${STAFF_ROLES.join('|')}> [display name]
  npm run staff -- reset-password <email>
  npm run staff -- link-code <email>`;

const CLI_ACTOR = { type: 'system' as const, id: 'cli' };

await runCli('staff', async ({ runtime, args }) => {
  const [command, email, ...rest] = args;
  if (command === 'create' && email) {
    const [role, ...name] = rest;
    if (!role || !STAFF_ROLES.includes(role as StaffRole)) throw new UsageError(USAGE);
    const { password } = await runtime.staff.create(
      {
        email,
        displayName: name.join(' ') || email.split('@')[0] || email,
        role: role as StaffRole,
      },
      CLI_ACTOR,
    );
    process.stdout.write(
      `created ${role} ${email.trim().toLowerCase()}\none-time password: ${password}\n`,
    );
  } else if (command === 'reset-password' && email) {
    const password = await runtime.staff.resetPassword(email, CLI_ACTOR);
    process.stdout.write(`new one-time password for ${email.trim().toLowerCase()}: ${password}\n`);
  } else if (command === 'link-code' && email) {
    const { code, expiresAt } = await runtime.staff.createLinkCode(email, CLI_ACTOR);
    process.stdout.write(
      `send this to ${email.trim().toLowerCase()} (valid until ${expiresAt.toISOString()}, once):\n  /start staff_${code}\n  or open the bot's link with ?start=staff_${code}\n`,
    );
  } else {
    throw new UsageError(USAGE);
  }
});
