// Job URLs: the path names the job (not a database number); sockets take ?job=.
import { parseJobUrl } from 'asyncwith/frontier'
import { describe, expect, it } from 'vitest'

describe('parseJobUrl', () => {
  it('reads host, port, credentials and the job name', () => {
    expect(parseJobUrl('redis://10.0.0.5:6379/crawl1')).toEqual({
      redisUrl: 'redis://10.0.0.5:6379',
      socketPath: undefined,
      job: 'crawl1',
    })
    expect(parseJobUrl('rediss://user:secret@[::1]:6380/a.b-c_d').redisUrl).toBe(
      'rediss://user:secret@[::1]:6380',
    )
    expect(parseJobUrl('redis+unix:///run/redis.sock?job=j1')).toEqual({
      redisUrl: undefined,
      socketPath: '/run/redis.sock',
      job: 'j1',
    })
  })

  it.each([
    ['redis://127.0.0.1:6379', /path to be a job name/],
    ['redis://127.0.0.1/a/b', /path to be a job name/],
    ['redis://127.0.0.1/{x}', /path to be a job name/],
    ['http://127.0.0.1/job', /start with redis:\/\//],
    ['not a url', /Expected a job URL like redis:\/\/host:6379\/JOB, got 'not a url'/],
    ['redis+unix:///run/redis.sock', /socket job URL/],
  ])('rejects %s with a JobUrlError naming it', (text, message) => {
    expect(() => parseJobUrl(text)).toThrow(message)
    expect(() => parseJobUrl(text)).toThrow(expect.objectContaining({ code: 'ASYNCWITH_JOB_URL' }))
  })
})
