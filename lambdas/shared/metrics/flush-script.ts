/**
 * Applies one instance's batch in a single command (Upstash bills per command: a pipeline of
 * 30 HINCRBYFLOATs every few seconds per instance would cost 30 times as much). Sent with EVAL,
 * not EVALSHA, so there is never a NOSCRIPT retry round trip; the script is a few hundred bytes.
 * KEYS are the metric hashes; ARGV[1] is a JSON array aligned with KEYS, each entry
 * `[[field, delta, ...], [field, value, ...]]` (increments, then gauge sets), numbers as strings.
 */
export const FLUSH_SCRIPT = `
local batch = cjson.decode(ARGV[1])
for i, key in ipairs(KEYS) do
  local incr = batch[i][1]
  for j = 1, #incr, 2 do redis.call('HINCRBYFLOAT', key, incr[j], incr[j + 1]) end
  local set = batch[i][2]
  for j = 1, #set, 2 do redis.call('HSET', key, set[j], set[j + 1]) end
end
return #KEYS
`;
