import type { StaffRole } from '../db/schema.js';
import { STAFF_ROLES } from '../domain/staff/staff-rules.js';
import { branchByRef } from '../domain/staff/staff-scope.js';
import { runCli, UsageError } from './run-cli.js';

const USAGE = `usage:
  npm run staff -- create <email> <${STAFF_ROLES.join('|')}> [display name] [--branch <branch id or name>]
      (a manager needs --branch: they see and book only their branch)
  npm run staff -- reset-password <email>
  npm run staff -- link-code <email>`;

const CLI_ACTOR = { type: 'system' as const, id: 'cli' };

/** `--branch X` or `--branch=X` anywhere among the words; the rest as they were. */
function takeBranch(words: string[]): { branch: string | undefined; rest: string[] } {
  const rest: string[] = [];
  let branch: string | undefined;
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? '';
    if (word === '--branch') {
      const value = words[++i];
      if (value === undefined) throw new UsageError(USAGE);
      branch = value;
    } else if (word.startsWith('--branch=')) branch = word.slice('--branch='.length);
    else rest.push(word);
  }
  return { branch, rest };
}

await runCli('staff', async ({ runtime, args }) => {
  const [command, email, ...words] = args;
  if (command === 'create' && email) {
    const { branch, rest } = takeBranch(words);
    const [role, ...name] = rest;
    if (!role || !STAFF_ROLES.includes(role as StaffRole)) throw new UsageError(USAGE);
    if (role === 'manager' && branch === undefined)
      throw new UsageError(`a manager needs a branch: add --branch <branch id or name>\n${USAGE}`);
    const branchId = branch === undefined ? null : await branchByRef(runtime.database.db, branch);
    const { password } = await runtime.staff.create(
      {
        email,
        displayName: name.join(' ') || email.split('@')[0] || email,
        role: role as StaffRole,
        branchId,
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
