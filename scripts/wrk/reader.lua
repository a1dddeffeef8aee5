-- wrk script for a responder's reads during an incident: each connection sends its GET, waits READER_DELAY_MS
-- (default 1000) after the answer, and sends it again, as a dashboard or console refreshing does. The URL and the
-- Authorization header come from the wrk command line.
local pause = tonumber(os.getenv("READER_DELAY_MS") or "1000")

function delay()
  return pause
end
