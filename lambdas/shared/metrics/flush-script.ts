/**
 * Applies one instance's batch in a single command (Upstash bills per command: a pipeline of
 * 30 HINCRBYFLOATs every few seconds per instance would cost 30 times as much). Sent with EVAL,
 * not EVALSHA, so there is never a NOSCRIPT retry round trip; the script is a few hundred bytes.
 * KEYS are the metric hashes; ARGV[1] is a JSON array aligned with KEYS, each entry
 * `[[field, delta, ...], [field, value, ...]]` (increments, then gauge sets), numbers as strings.
 * A sorted set (the warmup's popular requests) rides along as `[[], [], [member, delta, ...], ttl, keep]`:
 * ZINCRBY each member, set the key's TTL, trim it to its `keep` highest members.
 */
export const FLUSH_SCRIPT = `
local batch = cjson.decode(ARGV[1])
for i, key in ipairs(KEYS) do
  local incr = batch[i][1]
  for j = 1, #incr, 2 do redis.call('HINCRBYFLOAT', key, incr[j], incr[j + 1]) end
  local set = batch[i][2]
  for j = 1, #set, 2 do redis.call('HSET', key, set[j], set[j + 1]) end
  local ranked = batch[i][3]
  if ranked and #ranked > 0 then
    for j = 1, #ranked, 2 do redis.call('ZINCRBY', key, ranked[j + 1], ranked[j]) end
    redis.call('EXPIRE', key, tonumber(batch[i][4]))
    local extra = redis.call('ZCARD', key) - tonumber(batch[i][5])
    if extra > 0 then redis.call('ZREMRANGEBYRANK', key, 0, extra - 1) end
  end
end
return #KEYS
`;
