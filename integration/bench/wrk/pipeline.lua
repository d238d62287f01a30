-- pipeline.lua sends DEPTH requests (the first script argument, default 16)
-- in one write on every connection and waits for all of their responses, as
-- TechEmpower's plaintext test does; wrk counts each response.
local depth = 16

function init(args)
	depth = tonumber(args[1]) or depth
	local r = {}
	for i = 1, depth do
		r[i] = wrk.format()
	end
	batch = table.concat(r)
end

function request()
	return batch
end
