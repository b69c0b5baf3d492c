// Test-only switches that break a guarantee on purpose, so the acceptance test can show it
// notices: `ack-on-read` (workers lease nothing), `no-dedupe` (commits skip the done bitmap),
// `no-renew` (leases are never renewed, so lines held past one lease are taken over).

/** The value of ASYNCWITH_FRONTIER_FAULT, read once; '' in normal use. */
export const FAULT = process.env.ASYNCWITH_FRONTIER_FAULT ?? ''
