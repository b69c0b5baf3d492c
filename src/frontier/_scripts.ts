// The frontier's Lua scripts. Each runs atomically and is idempotent, so a call whose reply
// was lost can simply be sent again; a script's effects reach the AOF as one MULTI/EXEC.
import { script } from './_connection.js'

/**
 * KEYS: in, meta. ARGV: after, eof ('1' marks the input's end), then (line, text, problem JSON
 * or '') triples, lines ascending. Adds only lines after `produced`, so a producer that died
 * halfway resumes where Redis stopped it. `after` is the last line this producer knows Redis
 * had: when `produced` is below it, Redis lost writes (a restart without `appendfsync always`,
 * a failover) and nothing is added, so no gap is ever closed over. Replies { 1, produced }, or
 * { 0, produced } for that loss.
 */
export const PRODUCE = script(
  'produce',
  `local produced = tonumber(redis.call('HGET', KEYS[2], 'produced') or '0')
if produced < tonumber(ARGV[1]) then return { 0, produced } end
local added = 0
for i = 3, #ARGV, 3 do
  local line = tonumber(ARGV[i])
  if line > produced then
    if ARGV[i + 2] == '' then
      redis.call('XADD', KEYS[1], '*', 'l', ARGV[i], 'u', ARGV[i + 1])
    else
      redis.call('XADD', KEYS[1], '*', 'l', ARGV[i], 'u', ARGV[i + 1], 'x', ARGV[i + 2])
    end
    produced = line
    added = added + 1
  end
end
if added > 0 then
  redis.call('HSET', KEYS[2], 'produced', produced)
  redis.call('HINCRBY', KEYS[2], 'count', added)
end
if ARGV[2] == '1' then redis.call('HSET', KEYS[2], 'eof', '1') end
return { 1, produced }`,
)

/**
 * KEYS: in. ARGV: group, consumer, min idle ms, count, cursor. XAUTOCLAIM plus each claimed
 * entry's delivery count (for poison detection). Replies { cursor, { id, fields, deliveries }… }.
 */
export const CLAIM = script(
  'claim',
  `local r = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[5], 'COUNT', ARGV[4])
local out = {}
for _, entry in ipairs(r[2]) do
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], entry[1], entry[1], 1)
  local deliveries = 1
  if #p > 0 then deliveries = p[1][4] end
  out[#out + 1] = { entry[1], entry[2], deliveries }
end
return { r[1], out }`,
)

/**
 * KEYS: in. ARGV: group, consumer, ids… Renews the lease (resets idle time, JUSTID keeps the
 * delivery count) of the ids still in this consumer's PEL; never takes back one that another
 * worker took over. Replies the lost ids.
 */
export const RENEW = script(
  'renew',
  `local kept, lost = {}, {}
for i = 3, #ARGV do
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1, ARGV[2])
  if #p > 0 then kept[#kept + 1] = ARGV[i] else lost[#lost + 1] = ARGV[i] end
end
for i = 1, #kept, 500 do
  redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, unpack(kept, i, math.min(i + 499, #kept)))
end
return lost`,
)

/**
 * KEYS: in, out, done, meta. ARGV: group, consumer, dedupe ('1', or '0' only for the test
 * that shows the acceptance test catches its absence), then the batch: one line per outcome,
 * `id TAB line TAB kind TAB counters TAB record`. kind 'e' is an error outcome: dropped unless
 * this consumer still owns the entry, so a zombie's timeouts never beat a healthy fetch
 * (design §6.6). A line whose bit is already set is a duplicate: acked, not written (first
 * writer wins). The input entries of the batch are acked and deleted together at the end, in
 * the same script, so still atomically with their records. Replies { written, duplicates, fenced }.
 */
export const COMMIT = script(
  'commit',
  `-- No group (Redis lost it): fail before any write, so a retry later redoes the whole batch.
redis.call('XPENDING', KEYS[1], ARGV[1])
local written, dups, fenced, counts, acked = 0, 0, 0, {}, {}
local data, pos = ARGV[4], 1
while pos <= #data do
  local nl = string.find(data, '\\n', pos, true)
  local t1 = string.find(data, '\\t', pos, true)
  local t2 = string.find(data, '\\t', t1 + 1, true)
  local t3 = string.find(data, '\\t', t2 + 1, true)
  local t4 = string.find(data, '\\t', t3 + 1, true)
  local id = string.sub(data, pos, t1 - 1)
  local line = string.sub(data, t1 + 1, t2 - 1)
  local kind = string.sub(data, t2 + 1, t3 - 1)
  local counters = string.sub(data, t3 + 1, t4 - 1)
  local record = string.sub(data, t4 + 1, nl - 1)
  pos = nl + 1
  local keep = true
  if kind == 'e' then
    keep = #redis.call('XPENDING', KEYS[1], ARGV[1], id, id, 1, ARGV[2]) > 0
  end
  if keep then
    local fresh = redis.call('SETBIT', KEYS[3], line, 1) == 0
    if fresh or ARGV[3] == '0' then
      redis.call('XADD', KEYS[2], '*', 'l', line, 'r', record)
      written = written + 1
      for field in string.gmatch(counters, '%S+') do
        counts[field] = (counts[field] or 0) + 1
      end
    else
      dups = dups + 1
    end
    acked[#acked + 1] = id
  else
    fenced = fenced + 1
  end
end
-- One XACK and one XDEL for the whole batch: a call per id cost more than the rest of the
-- script together (and each went to the AOF on its own).
for i = 1, #acked, 500 do
  local last = math.min(i + 499, #acked)
  redis.call('XACK', KEYS[1], ARGV[1], unpack(acked, i, last))
  redis.call('XDEL', KEYS[1], unpack(acked, i, last))
end
for field, n in pairs(counts) do redis.call('HINCRBY', KEYS[4], field, n) end
if written > 0 then redis.call('HINCRBY', KEYS[4], 'done', written) end
if dups > 0 then redis.call('HINCRBY', KEYS[4], 'dups', dups) end
if fenced > 0 then redis.call('HINCRBY', KEYS[4], 'fenced', fenced) end
return { written, dups, fenced }`,
)

/**
 * KEYS: conc (zset of permit tokens scored by expiry), rate (GCRA theoretical arrival time).
 * ARGV: token, limit (0 = none), permit lease ms, interval ms (0 = no rate). Uses Redis's
 * clock, so the workers' clocks never matter. Replies 0 (granted), -1 (the host is full), or
 * the ms to wait for the rate.
 */
export const ACQUIRE = script(
  'acquire',
  `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit, lease, interval = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if limit > 0 and redis.call('ZCARD', KEYS[1]) >= limit then return -1 end
if interval > 0 then
  local tat = tonumber(redis.call('GET', KEYS[2]) or '0')
  if tat > now then return tat - now end
  redis.call('SET', KEYS[2], now + interval, 'PX', interval + 1000)
end
redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
redis.call('PEXPIRE', KEYS[1], lease + 1000)
return 0`,
)

/**
 * KEYS: workers (a hash: consumer → JSON report). ARGV: consumer, report JSON (host, pid,
 * rate, fetched), stale ms. Stamps the report with Redis's clock (`seen`, and `started` on a
 * consumer's first report), removes reports not renewed for `stale` ms (killed workers), and
 * lets the whole hash expire after `stale` once no worker reports. Replies Redis's time.
 */
export const REPORT = script(
  'report',
  `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local stale = tonumber(ARGV[3])
local report = cjson.decode(ARGV[2])
local old = redis.call('HGET', KEYS[1], ARGV[1])
local started = now
if old then
  local ok, previous = pcall(cjson.decode, old)
  if ok and type(previous) == 'table' and type(previous.started) == 'number' then
    started = previous.started
  end
end
report.started = started
report.seen = now
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(report))
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local ok, r = pcall(cjson.decode, all[i + 1])
  if not ok or type(r) ~= 'table' or type(r.seen) ~= 'number' or now - r.seen > stale then
    redis.call('HDEL', KEYS[1], all[i])
  end
end
redis.call('PEXPIRE', KEYS[1], stale)
return now`,
)
