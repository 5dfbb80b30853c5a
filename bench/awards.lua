-- wrk script for bench/awards.py --client wrk: each request awards the badge to a new
-- recipient (the same body as serve.award_body, with a unique email).
local counter = 0
local run = tostring(os.time()) .. "-" .. tostring(math.random(1, 1000000000))
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

request = function()
  counter = counter + 1
  local body = string.format(
    '{"recipient": {"type": "email", "identity": "wrk-%s-%d@example.org", ' ..
    '"name": "Bench Recipient"}, "evidence": [{"url": "https://example.org/partnerships/42", ' ..
    '"narrative": "Closed the first partnership."}], "narrative": "Completed all modules."}',
    run, counter)
  return wrk.format(nil, nil, nil, body)
end
