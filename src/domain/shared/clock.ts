/**
 * The time as the product sees it. Every "now" in the domain and the jobs comes from a clock
 * passed in, so tests set the time instead of waiting for it; this file is the one place that
 * reads the machine's time.
 */
export type Clock = () => Date;

/** The machine's time: what the program runs on outside tests. */
export const systemClock: Clock = () => new Date();
