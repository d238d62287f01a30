package negotiate

import (
	"strings"
)

// A Spec is one element of an Accept, Accept-Encoding or Accept-Language
// field.
type Spec struct {
	// Value is the media range, coding or language range, lower-cased:
	// "text/html", "text/*", "gzip", "en-gb", "*".
	Value string
	// Params are the media range's parameters before the weight, names
	// lower-cased, values unquoted (Accept only).
	Params []Param
	// Q is the weight, 0 to 1; 1 when not given.
	Q float64
}

// A Param is a media range parameter.
type Param struct{ Name, Value string }

// Parse returns the elements of a field value in the order they appear,
// skipping the ones that do not parse.
func Parse(field string) []Spec {
	var specs []Spec
	for rest := field; rest != ""; {
		var e element
		var ok bool
		e, rest, ok = nextElement(rest)
		if !ok {
			continue
		}
		s := Spec{Value: strings.ToLower(e.value), Q: float64(e.q) / 1000}
		for p := e.params; p != ""; {
			var name, value string
			name, value, p = nextParam(p)
			s.Params = append(s.Params, Param{strings.ToLower(name), unquote(value)})
		}
		specs = append(specs, s)
	}
	return specs
}

// ContentType returns the offer (a media type such as "application/json")
// that the Accept field value accept prefers, or "" if none is acceptable.
// An empty accept accepts anything: the first offer is returned.
func ContentType(accept string, offers ...string) string {
	if len(offers) == 0 {
		return ""
	}
	if strings.TrimSpace(accept) == "" {
		return offers[0]
	}
	best, bestQ := "", 0
	for _, offer := range offers {
		if q := mediaQuality(accept, offer); q > bestQ {
			best, bestQ = offer, q
		}
	}
	return best
}

// mediaQuality is the weight, in thousandths, of the most specific range
// in accept that matches offer; 0 when none does.
func mediaQuality(accept, offer string) int {
	oType, oParams, _ := strings.Cut(offer, ";")
	oMain, oSub, ok := strings.Cut(strings.TrimSpace(oType), "/")
	if !ok {
		return 0
	}
	q, specificity := 0, -1
	for rest := accept; rest != ""; {
		var e element
		var ok bool
		e, rest, ok = nextElement(rest)
		if !ok {
			continue
		}
		rMain, rSub, found := strings.Cut(e.value, "/")
		if !found || rMain == "" || rSub == "" {
			continue
		}
		var s int
		switch {
		case rMain == "*" && rSub == "*":
			s = 0
		case rSub == "*" && strings.EqualFold(rMain, oMain):
			s = 1
		case strings.EqualFold(rMain, oMain) && strings.EqualFold(rSub, oSub):
			if !paramsIncluded(e.params, oParams) {
				continue
			}
			s = 2 + countParams(e.params)
		default:
			continue
		}
		if s > specificity {
			q, specificity = e.q, s
		}
	}
	return q
}

// paramsIncluded reports whether every parameter of the range appears with
// the same value among the offer's parameters (names and, for want of a
// registry of case-sensitive values, values compared case-insensitively).
func paramsIncluded(rangeParams, offerParams string) bool {
	for p := rangeParams; p != ""; {
		var name, value string
		name, value, p = nextParam(p)
		found := false
		for o := offerParams; o != "" && !found; {
			var oName, oValue string
			oName, oValue, o = nextParam(o)
			found = strings.EqualFold(name, oName) && strings.EqualFold(unquote(value), unquote(oValue))
		}
		if !found {
			return false
		}
	}
	return true
}

func countParams(params string) int {
	n := 0
	for p := params; p != ""; n++ {
		_, _, p = nextParam(p)
	}
	return n
}

// Encoding returns the content coding among offers ("br", "gzip",
// "identity", ...) that the Accept-Encoding field value accept prefers, or ""
// if none is acceptable. With an empty accept only "identity" is.
func Encoding(accept string, offers ...string) string {
	best, bestQ := "", 0
	for _, offer := range offers {
		if q := encodingQuality(accept, offer); q > bestQ {
			best, bestQ = offer, q
		}
	}
	return best
}

func encodingQuality(accept, offer string) int {
	identity := strings.EqualFold(offer, "identity")
	exact, star := -1, -1
	for rest := accept; rest != ""; {
		var e element
		var ok bool
		e, rest, ok = nextElement(rest)
		if !ok {
			continue
		}
		switch {
		case strings.EqualFold(e.value, offer),
			// x-gzip is gzip (RFC 9110 section 8.4.1.3).
			strings.EqualFold(offer, "gzip") && strings.EqualFold(e.value, "x-gzip"):
			exact = max(exact, e.q)
		case e.value == "*":
			star = max(star, e.q)
		}
	}
	switch {
	case exact >= 0:
		return exact
	case star >= 0:
		return star
	case identity:
		// Acceptable unless refused, but below any coding asked for by name.
		return 1
	}
	return 0
}

// Language returns the language tag among offers ("en-US", "fr", ...) that
// the Accept-Language field value accept prefers, by the basic filtering of
// RFC 4647 (the range "en" matches "en-US"), or "" if none is acceptable.
// An empty accept accepts anything: the first offer is returned.
func Language(accept string, offers ...string) string {
	if len(offers) == 0 {
		return ""
	}
	if strings.TrimSpace(accept) == "" {
		return offers[0]
	}
	best, bestQ := "", 0
	for _, offer := range offers {
		if q := languageQuality(accept, offer); q > bestQ {
			best, bestQ = offer, q
		}
	}
	return best
}

func languageQuality(accept, offer string) int {
	q, specificity := 0, -1
	for rest := accept; rest != ""; {
		var e element
		var ok bool
		e, rest, ok = nextElement(rest)
		if !ok {
			continue
		}
		var s int
		switch {
		case e.value == "*":
			s = 0
		case len(offer) >= len(e.value) && strings.EqualFold(offer[:len(e.value)], e.value) &&
			(len(offer) == len(e.value) || offer[len(e.value)] == '-'):
			s = 1 + len(e.value)
		default:
			continue
		}
		if s > specificity {
			q, specificity = e.q, s
		}
	}
	return q
}
