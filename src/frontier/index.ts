// asyncwith/frontier: one job's URL frontier on Redis Streams, shared by many workers.
export { JobUrlError, RedisLostWritesError, RedisUnavailableError } from './errors.js'
export { RedisHostGate, type RedisHostGateOptions } from './host-gate.js'
export type { JobStatus, WorkerStatus } from './job-status.js'
export { type JobAddress, parseJobUrl } from './job-url.js'
export {
  type FrontierItem,
  type RecordFormat,
  RedisFrontier,
  type RedisFrontierOptions,
  type ResultBatch,
} from './redis-frontier.js'
