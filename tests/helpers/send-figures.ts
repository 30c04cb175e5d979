/** Most sends in any one-second window, and the shortest gap between two sends to one chat. */
export function sendFigures(calls: { chat: number; at: number }[]): {
  busiestSecond: number;
  shortestChatGapMs: number;
} {
  const times = calls.map((c) => c.at).sort((a, b) => a - b);
  let busiestSecond = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while ((times[j] ?? 0) <= (times[i] ?? 0) - 1000) j++;
    busiestSecond = Math.max(busiestSecond, i - j + 1);
  }
  const last = new Map<number, number>();
  let shortestChatGapMs = Number.POSITIVE_INFINITY;
  for (const c of [...calls].sort((a, b) => a.at - b.at)) {
    const before = last.get(c.chat);
    if (before !== undefined) shortestChatGapMs = Math.min(shortestChatGapMs, c.at - before);
    last.set(c.chat, c.at);
  }
  return { busiestSecond, shortestChatGapMs };
}
