"""The Lua scripts the Redis backend runs. Each runs atomically on the server.

Values: a lease key holds ``"<token>:<owner>"``; a lock key holds its owner string; a bucket
is a hash ``{tokens, stamp}``. Times inside scripts come from Redis ``TIME``, so every
instance sees one clock.
"""

from __future__ import annotations

__all__ = [
    "ACQUIRE_LEASE",
    "BUCKET_TAKE",
    "COMPARE_AND_DELETE",
    "COMPARE_AND_PEXPIRE",
    "JOIN_GROUP",
    "RENEW_LEASES",
]

ACQUIRE_LEASE = """
-- KEYS[1] lease key, KEYS[2] fencing counter key; ARGV[1] owner, ARGV[2] ttl in ms.
-- Returns {1, token} when the owner holds the lease afterwards, {0, pttl} otherwise.
local held = redis.call('GET', KEYS[1])
if held then
  local sep = string.find(held, ':', 1, true)
  if sep and string.sub(held, sep + 1) == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return {1, string.sub(held, 1, sep - 1)}
  end
  return {0, redis.call('PTTL', KEYS[1])}
end
-- A new token: the counter plus one, but never below Redis' clock in microseconds, so
-- tokens keep growing even if a Redis without persistence restarted and lost the counter.
local clock = redis.call('TIME')
local floor = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local token = redis.call('INCR', KEYS[2])
if token < floor then
  token = floor
  redis.call('SET', KEYS[2], string.format('%.0f', token))
end
local text = string.format('%.0f', token)
redis.call('SET', KEYS[1], text .. ':' .. ARGV[1], 'NX', 'PX', ARGV[2])
return {1, text}
"""

COMPARE_AND_PEXPIRE = """
-- KEYS[1] key; ARGV[1] expected value, ARGV[2] ttl in ms. 1 if extended, 0 if not ours.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""

RENEW_LEASES = """
-- KEYS: lease keys; ARGV[1] ttl in ms, ARGV[i + 1] the value expected at KEYS[i].
-- Returns one 1 (extended) or 0 (not ours any more) per key, in order.
local done = {}
for i, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[i + 1] then
    done[i] = redis.call('PEXPIRE', key, ARGV[1])
  else
    done[i] = 0
  end
end
return done
"""

JOIN_GROUP = """
-- KEYS[1] group (a sorted set: member -> expiry in ms); ARGV[1] member, ARGV[2] ttl in ms.
-- Refreshes the member, forgets expired ones, returns the live members.
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 10)
return redis.call('ZRANGE', KEYS[1], 0, -1)
"""

COMPARE_AND_DELETE = """
-- KEYS[1] key; ARGV[1] expected value. 1 if deleted, 0 if not ours.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""

BUCKET_TAKE = """
-- KEYS[1] bucket hash; ARGV: rate per second, burst, n, epsilon, and `hold` seconds.
-- hold = 0: take n tokens; returns the wait in seconds as a string ("0.000000" when taken).
-- hold > 0: empty the bucket so that nothing can be taken for `hold` seconds (its tokens go
-- below zero and refill from there): everyone sharing it waits, as after Telegram's 429.
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
local eps = tonumber(ARGV[4])
local hold = tonumber(ARGV[5] or '0')
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'stamp')
local tokens = tonumber(state[1])
local stamp = tonumber(state[2])
if tokens == nil or stamp == nil then
  tokens = burst
  stamp = now
elseif now > stamp then
  tokens = math.min(burst, tokens + (now - stamp) * rate)
  stamp = now
end
local wait = 0
if hold > 0 then
  tokens = math.min(tokens, -hold * rate)
elseif tokens + eps >= n then
  tokens = tokens - n
else
  wait = math.ceil((n - tokens) / rate * 1000000) / 1000000
end
-- Forget the bucket once it would be full again: a missing bucket reads as full.
local full_ms = math.ceil(((burst - tokens) / rate + math.max(stamp - now, 0)) * 1000) + 1
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens),
  'stamp', string.format('%.6f', stamp))
redis.call('PEXPIRE', KEYS[1], full_ms)
return string.format('%.6f', wait)
"""
