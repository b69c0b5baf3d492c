// Key names. A job's keys share the hash tag `{job}`, so every script stays in one cluster
// slot; host keys are not per job, so two jobs never hit one site harder between them.

export interface JobKeys {
  readonly in: string
  readonly out: string
  readonly done: string
  readonly meta: string
  readonly workers: string
}

export function jobKeys(job: string): JobKeys {
  const p = `aw:{${job}}:`
  return {
    in: `${p}in`,
    out: `${p}out`,
    done: `${p}done`,
    meta: `${p}meta`,
    workers: `${p}workers`,
  }
}

export function hostKeys(host: string): { readonly conc: string; readonly rate: string } {
  return { conc: `aw:rl:{${host}}:conc`, rate: `aw:rl:{${host}}:rate` }
}

/** The consumer group that leases input lines. */
export const WORKERS = 'workers'
