/**
 * Reads hash fields of many keys in one call (the story store's snapshot of a batch).
 * KEYS: the hashes. ARGV: per key, in KEYS order, a field count n and n fields.
 * Returns every value in ARGV order (nil where absent).
 */
export const STORY_READ_LUA = `
local out = {}
local a = 1
for k = 1, #KEYS do
  local n = tonumber(ARGV[a])
  local vals = redis.call('HMGET', KEYS[k], unpack(ARGV, a + 1, a + n))
  for j = 1, n do out[#out + 1] = vals[j] end
  a = a + 1 + n
end
return out
`;
