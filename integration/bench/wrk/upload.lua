-- upload.lua POSTs a 64 KiB body (wrk.format adds its Content-Length) to
-- /upload on every request; the servers read it whole before answering.
wrk.method = "POST"
wrk.path = "/upload"
wrk.headers["Content-Type"] = "application/octet-stream"
wrk.body = string.rep("u", 64 * 1024)
