// Package compress is tophat middleware that compresses response bodies
// with zstd, brotli or gzip, whichever the client's Accept-Encoding prefers,
// for any handler and any terminal method, streamed bodies included.
//
//	mw, err := compress.New(compress.Config{}) // zstd, br, gzip; bodies of 1 KiB and more
//	if err != nil { ... }                       // a Config that makes no sense is refused
//	h := core.Chain(app, mw)
//
// It works through core.BodyFilter: it installs a filter before the handler
// runs, and the core calls it when the response starts, with the status and
// header the handler chose and the body's length if known.
//
//	request ──► negotiate Accept-Encoding ──► handler ──► response starts
//	                                                          │
//	         compressible? (not 206, not encoded, not no-transform,
//	         not a skipped type, not shorter than MinSize)
//	            no ──► body as is
//	            yes ─► Vary: Accept-Encoding ─► coding chosen?
//	                       identity ──► body as is
//	                       zstd/br/gzip ──► Content-Encoding, weak ETag,
//	                                       no Accept-Ranges, chunked body
//	                                       from a pooled encoder
//
// # Negotiation
//
// Accept-Encoding is read with its weights (q-values), by the rules of
// package negotiate: the acceptable coding of highest weight wins, and ties
// go to Config.Encodings' order, so "gzip, br, zstd" gets zstd by default.
// "*" stands for every coding not named; "q=0" refuses one ("*;q=0" refuses
// the ones not named, identity included). Without an Accept-Encoding field
// only identity is acceptable: nothing is compressed. When the client
// refuses everything, identity included, the body goes out uncompressed, as
// RFC 9110 prefers to an error. x-gzip is gzip.
//
// # What is left alone
//
//   - Responses without a body, as the core calls no filter for them: 1xx,
//     204, 304, and every answer to HEAD. The answer to HEAD therefore
//     carries no Content-Encoding and no Vary, and its Content-Length is
//     the identity body's, not the length a compressed GET would have (which
//     is unknown until compressed: a compressed GET is chunked).
//   - Range responses: status 206 or a Content-Range field.
//   - Bodies already encoded: any Content-Encoding set by the handler (a
//     precompressed file from core/static, say).
//   - Types in Config.SkipTypes (images, audio, video, WOFF fonts, archives
//     by default).
//   - Bodies shorter than Config.MinSize, when the length is known. A body
//     the handler streams without a length is compressed.
//   - Responses whose Cache-Control has no-transform.
//
// # What changes on a compressed response
//
// Content-Encoding names the coding; the body is chunked (the length is
// known only at the end); Vary gains Accept-Encoding, merged into a Vary the
// handler set; a strong ETag becomes weak, since the bytes differ but mean
// the same; Accept-Ranges is dropped, since the bytes a range would count are
// the uncompressed ones. Vary is also added when the response could have been
// compressed but the client asked for identity, so that no cache hands that
// copy to a client expecting, or not expecting, another.
//
// # Streaming
//
// A flush of the handler's BodyWriter flushes the encoder first, so
// everything written so far reaches the client decodable: server-sent events
// arrive event by event. A flush costs a few bytes of framing in every
// coding, so flush where the client needs the bytes, not after every write.
//
// # Memory
//
// Encoders are large (gzip's holds hundreds of kilobytes of hash tables,
// zstd's and brotli's their history window), so each middleware keeps a
// sync.Pool of them per coding and resets one per response. zstd and brotli
// keep a 256 KiB window: that bounds what a pooled encoder holds and the
// memory a client's decoder needs, and a response compressed on the fly
// gains little from more. An encoder goes back to its pool when its body
// ends cleanly, and is dropped otherwise.
package compress
