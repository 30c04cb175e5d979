import { Composer } from 'grammy';
import type { BotContext } from '../context.js';

/** Telegram's notice that a user blocked ('kicked') or unblocked ('member') the bot. */
export const chatMemberFeature = new Composer<BotContext>();

chatMemberFeature.on('my_chat_member', async (ctx) => {
  if (ctx.chat.type !== 'private') return;
  const status = ctx.myChatMember.new_chat_member.status;
  if (status === 'kicked' || status === 'member') {
    await ctx.services.clients.setBotBlocked(ctx.from.id, status === 'kicked');
  }
});
