// Package sse serves server-sent events (the EventSource protocol of the
// HTML standard) from tophat handlers, and fans one source of events out to
// many clients with a Broadcaster.
//
// A handler opens a Stream, sends events until the stream is done, and
// returns what Close returns:
//
//	func clock(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
//		s, err := sse.Open(req, w, nil)
//		if err != nil {
//			return w.SendString(500, err.Error())
//		}
//		tick := time.NewTicker(time.Second)
//		defer tick.Stop()
//		for {
//			select {
//			case <-s.Done(): // client gone, or server shutting down
//				return s.Close()
//			case t := <-tick.C:
//				s.Send(sse.Event{ID: strconv.FormatInt(t.Unix(), 10), Data: t.Format(time.RFC3339)})
//			}
//		}
//	}
//
// # Events
//
// An Event has an ID, a Type, Data and a Retry time. Data is any text: the
// encoder writes one data line per line of it, breaking at "\n", "\r\n" and
// "\r" exactly where the client breaks, so no payload can inject a field of
// its own. An ID or Type that holds a line break is refused with an error
// rather than cut. Each event is flushed as soon as it is written.
//
// # A stream's life
//
//	Open ──► 200 text/event-stream, Cache-Control: no-cache (sent at once)
//	  │
//	  ├── Send / Comment / SetRetry ... (flushed each)      heartbeat comment
//	  │                                                      after a quiet period
//	  ▼
//	Done closes: the client went away (request context, or a failed write)
//	             or the server began Shutdown (req.ShuttingDown)
//	  │
//	  ▼
//	Close ──► terminating chunk: the client sees a clean end; the handler
//	          returns the core.ResponseWritten Close gives it
//
// The heartbeat is a comment line sent when nothing was written for
// Config.Heartbeat: it keeps proxies from dropping a quiet stream and finds a
// departed client through the failed write. It runs on one goroutine per
// Stream, which Close stops and waits for.
//
// A client that reconnects sends the id of the last event it saw;
// Stream.LastEventID returns it, so a handler can resume after it.
//
// # Broadcasting
//
// A Broadcaster is a core.Handler that subscribes each client and forwards
// what Publish sends. Publish never blocks: every client has a bounded queue,
// and when a client's queue is full the SlowPolicy applies to that client
// alone: Disconnect (the default) ends its stream so that its EventSource
// reconnects and resumes from its last id; Drop skips the event for it.
//
// # Concurrency
//
// A Stream's Send, Comment and SetRetry may be called from several
// goroutines; each event is written whole. Close must be called once the
// others are done, by the handler, which returns its result. A Broadcaster's
// methods are safe for concurrent use.
package sse
