// Package negotiate picks a response's media type, content coding or
// language from a request's Accept, Accept-Encoding or Accept-Language field
// (RFC 9110 section 12), among the ones a server offers.
//
//	switch negotiate.ContentType(req.Header().Get("Accept"), "application/json", "text/html") {
//	case "application/json": ...
//	case "text/html": ...
//	default: // nothing offered is acceptable: 406, or a default
//	}
//
// # Rules
//
// Each offer gets the weight (q) of the most specific range that matches it:
// for media types "text/html;level=1" beats "text/html", which beats "text/*",
// which beats "*/*"; for languages the longest matching prefix ("en-GB" over
// "en") beats "*". The offer with the highest weight above zero wins; ties go
// to the offer listed first, so list offers in the server's order of
// preference. A weight of zero ("q=0") refuses an offer even when a less
// specific range would accept it.
//
// An empty field accepts every offer (the first is chosen), except for
// Accept-Encoding, where an empty or absent field leaves only "identity": a
// server that compresses for a client that did not ask for it breaks that
// client. "identity" is acceptable unless refused by "identity;q=0" or by
// "*;q=0" without an identity entry.
//
// Elements that do not parse (a bad q value, a media range without a slash)
// are skipped rather than failing the whole field, as browsers and net/http's
// peers do; quoted parameter values may hold commas and semicolons.
//
// The choosing functions allocate nothing; Parse returns the elements of a
// field for code that wants them.
package negotiate
