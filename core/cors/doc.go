// Package cors implements the server side of the CORS protocol of the Fetch
// standard as tophat middleware: it tells browsers which other origins may
// call the server from scripts, with which methods and header fields, and
// whether with the user's credentials.
//
//	mw, err := cors.New(cors.Config{
//		AllowOrigins:     []string{"https://app.example.com"},
//		AllowMethods:     []string{"PUT", "DELETE"},
//		AllowHeaders:     []string{"Content-Type", "Authorization"},
//		AllowCredentials: true,
//		MaxAge:           10 * time.Minute,
//	})
//	if err != nil { ... } // a Config that makes no sense is refused
//	h := core.Chain(api, mw)
//
// # Preflights
//
// A preflight is an OPTIONS request with Origin and
// Access-Control-Request-Method. The middleware answers it itself and the
// handler never sees it:
//
//	origin, method and every requested field allowed
//	    ──► 204, Access-Control-Allow-Origin (and -Credentials, -Methods,
//	        -Headers, -Max-Age, -Private-Network as they apply)
//	anything not allowed
//	    ──► 403 without any CORS field
//
// The browser fails a refused preflight either way; the 403 (rather than a
// 204 stripped of CORS fields) makes the refusal visible in the browser's
// network panel and in access logs. GET, HEAD and POST need no permission,
// as the standard says. Requested field names are matched without regard
// to case, from every Access-Control-Request-Headers field, each a comma
// list whose elements are trimmed.
//
// # Other requests
//
// Every other request reaches the handler. When its origin is allowed, the
// response carries Access-Control-Allow-Origin (and -Credentials,
// -Expose-Headers); when it is not, it carries no CORS field and the browser
// keeps the response from the script. A disallowed origin is never an
// error: the same request from a same-origin page or from curl is served as
// usual.
//
// # Credentials and caches
//
// With AllowCredentials the allowed origin is echoed, never "*", and
// allowing every origin with credentials is refused by Validate. Wherever
// the answer depends on the request, the response says so in Vary, so that
// no cache hands one origin's answer to another: Vary: Origin on every
// response (with or without an Origin field) unless every origin is allowed,
// and Access-Control-Request-Method and -Headers (and -Private-Network when
// enabled) on preflights. Handlers that set Vary themselves should use
// Header().Add, not Set, to keep these.
package cors
