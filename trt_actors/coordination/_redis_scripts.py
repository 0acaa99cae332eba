"""The Lua scripts the Redis backend runs. Each runs atomically on the server.

Values: a lease key holds ``"<token>:<owner>"``; a lock key holds its owner string; a bucket
is a hash ``{tokens, stamp}``. Times inside scripts come from Redis ``TIME``, so every
instance sees one clock.
"""

from __future__ import annotations

__all__ = ["ACQUIRE_LEASE", "BUCKET_TAKE", "COMPARE_AND_DELETE", "COMPARE_AND_PEXPIRE"]

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

COMPARE_AND_DELETE = """
-- KEYS[1] key; ARGV[1] expected value. 1 if deleted, 0 if not ours.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""

BUCKET_TAKE = """
-- KEYS[1] bucket hash; ARGV: rate per second, burst, n, epsilon.
-- Returns the wait in seconds as a string: "0.000000" when the n tokens were taken.
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
local eps = tonumber(ARGV[4])
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
if tokens + eps >= n then
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
