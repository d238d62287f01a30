package glitch

import "context"

// known maps errors of the standard library that have an obvious status.
// Errors of this project carry their status themselves (*Error,
// *core.ProtocolError); this table is for the rest.
var known = []struct {
	err    error
	status int
}{
	// A handler that ran out of time: the server, not the client, failed
	// to answer in time, as http.TimeoutHandler says with 503.
	{context.DeadlineExceeded, 503},
}
