/** Durations on the command line (shared with the admin API's `?window=`). */
export { parseDurationSeconds } from '../lambdas/admin/duration';
