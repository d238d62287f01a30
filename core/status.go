package core

import "strconv"

// statusText is the reason phrase sent for a status. A status without one
// is sent with an empty reason, which RFC 9112 section 4 allows.
func statusText(code int) string {
	switch code {
	case 100:
		return "Continue"
	case 101:
		return "Switching Protocols"
	case 103:
		return "Early Hints"
	case 200:
		return "OK"
	case 201:
		return "Created"
	case 202:
		return "Accepted"
	case 203:
		return "Non-Authoritative Information"
	case 204:
		return "No Content"
	case 205:
		return "Reset Content"
	case 206:
		return "Partial Content"
	case 300:
		return "Multiple Choices"
	case 301:
		return "Moved Permanently"
	case 302:
		return "Found"
	case 303:
		return "See Other"
	case 304:
		return "Not Modified"
	case 307:
		return "Temporary Redirect"
	case 308:
		return "Permanent Redirect"
	case 400:
		return "Bad Request"
	case 401:
		return "Unauthorized"
	case 403:
		return "Forbidden"
	case 404:
		return "Not Found"
	case 405:
		return "Method Not Allowed"
	case 406:
		return "Not Acceptable"
	case 408:
		return "Request Timeout"
	case 409:
		return "Conflict"
	case 410:
		return "Gone"
	case 411:
		return "Length Required"
	case 412:
		return "Precondition Failed"
	case 413:
		return "Content Too Large"
	case 414:
		return "URI Too Long"
	case 415:
		return "Unsupported Media Type"
	case 416:
		return "Range Not Satisfiable"
	case 417:
		return "Expectation Failed"
	case 421:
		return "Misdirected Request"
	case 422:
		return "Unprocessable Content"
	case 425:
		return "Too Early"
	case 426:
		return "Upgrade Required"
	case 428:
		return "Precondition Required"
	case 429:
		return "Too Many Requests"
	case 431:
		return "Request Header Fields Too Large"
	case 451:
		return "Unavailable For Legal Reasons"
	case 500:
		return "Internal Server Error"
	case 501:
		return "Not Implemented"
	case 502:
		return "Bad Gateway"
	case 503:
		return "Service Unavailable"
	case 504:
		return "Gateway Timeout"
	case 505:
		return "HTTP Version Not Supported"
	}
	return ""
}

// StatusText returns the reason phrase the core sends for code, or "".
func StatusText(code int) string { return statusText(code) }

func appendStatusLine(b []byte, code int) []byte {
	if 100 <= code && code < 100+len(statusLines) {
		if line := statusLines[code-100]; line != "" {
			return append(b, line...)
		}
	}
	b = append(b, "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(code), 10)
	b = append(b, ' ')
	b = append(b, statusText(code)...)
	return append(b, "\r\n"...)
}

// statusLines holds the whole status line of every code from 100 to 599
// with a reason phrase, so a response head starts with one append.
var statusLines = func() (t [500]string) {
	for i := range t {
		if text := statusText(100 + i); text != "" {
			t[i] = "HTTP/1.1 " + strconv.Itoa(100+i) + " " + text + "\r\n"
		}
	}
	return t
}()

// bodiless reports statuses whose responses never have content
// (RFC 9110 sections 15.2, 15.3.5 and 15.4.5).
func bodiless(code int) bool {
	return code < 200 || code == 204 || code == 304
}
