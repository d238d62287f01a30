// Package identity keeps who a user is in a cookie that the server seals:
// encrypted and authenticated with XChaCha20-Poly1305, so the client can
// neither read nor change it, with an expiry sealed inside and keys that
// rotate without logging anyone out.
//
//	m, err := identity.New(identity.Config{Keys: keys, LoginURL: "/login"})
//	...
//	m.LogIn(w, userID)                   // in the login handler, before sending
//	h := m.Middleware(app)               // loads the identity of every request
//	id, ok := identity.FromContext(req.Context())
//	admin := m.Require(adminPages)       // 401, or 303 to LoginURL for browsers
//	m.LogOut(w)
//
// # The cookie
//
// The cookie is HttpOnly and SameSite=Lax by default, Secure unless
// Config.Insecure says otherwise (for http://localhost), with Path "/" and
// Max-Age from Config.MaxAge. Its name carries the prefix its attributes
// earn, so the browser enforces them: "__Host-" (Secure, Path=/, no Domain:
// no subdomain can set or overwrite it) or "__Secure-". Every attribute is
// checked against RFC 6265 when the Manager is made, so every Set-Cookie it
// writes is valid.
//
// A request may carry several cookies of the same name (a sibling
// subdomain's, or one left by an older Path or Domain), in one Cookie field
// or several. Load reads every pair of every field, and the first value that
// opens wins; reading only the first match would let any stray cookie log
// the user out.
//
// # Sealing
//
// A sealed value is base64url of a random 192-bit nonce and the ciphertext
// of the issue time, the expiry and the ID, with the cookie's name as
// additional data (a value sealed for another cookie does not open). The
// expiry is checked on every request, so a copied cookie is refused after
// it even if a browser would have kept it. IDs are limited to MaxIDBytes so
// the cookie stays within what browsers store.
//
// # Rotating keys
//
//	Keys: {K1}            K1 seals and opens
//	Keys: {K2, K1}        K2 seals; cookies sealed with K1 still open
//	Keys: {K2}            after Config.MaxAge: K1's cookies are refused
//
// Manager.SetKeys does the same while serving.
package identity
