package conformance

import (
	"fmt"
	"net/http"
	"strings"
)

// A Case is one exchange of the suite: bytes a client sends and the answers
// a strict server gives.
type Case struct {
	// Name is unique in the table and says what the bytes hold.
	Name string
	// Section is the rule the expectation comes from ("RFC 9112 §6.3").
	Section string
	// Group is the topic the case belongs to, for the score per topic.
	Group string
	// Raw is sent at once when the connection opens.
	Raw string
	// Then, if set, is sent after ThenAfter responses (1xx included) have
	// been read: the body after a 100 (Continue), say.
	Then      string
	ThenAfter int
	// HalfClose: the client closes its side once Raw is sent, so the
	// server reads the end of the stream after it.
	HalfClose bool
	// Want are the responses in order, 1xx included.
	Want []Answer
	// MayContinue lets a server send a 100 (Continue) before any answer,
	// as RFC 9110 §10.1.1 allows when the body came with the head; Want then
	// lists no 100.
	MayContinue bool
	// Close says the server closes the stream after the answers in Want.
	// When it is false the stream must stay open: a request sent next is
	// answered (or, with no answer wanted, the server waits quietly).
	Close bool
	// LateClose: the server learns that it must close only after the last
	// answer was complete, so that answer need not say Connection: close.
	LateClose bool
	// Why says why tophat takes the strict side where the RFC allows
	// either.
	Why string
	// Router marks cases about the answers of a router (405, OPTIONS), which
	// exist only where the server under test has one.
	Router bool
}

// An Answer is one expected response.
type Answer struct {
	Status int
	// Method is that of the request answered, where it changes how the
	// response is read (HEAD has no body). Default GET.
	Method string
	// Echo are lines the echo body must hold ("body=hello").
	Echo []string
	// NoEcho are lines the echo body must not hold.
	NoEcho []string
	// Header are "Name: substring" pairs the response head must hold.
	// (Go's response parser takes Connection away; see Close.)
	Header []string
	// Close: the response must carry Connection: close (RFC 9112 §9.6).
	Close bool
}

// An Outcome is what a server did with a case.
type Outcome struct {
	Responses []Response
	// Closed: the server ended the stream after the responses.
	Closed bool
	// Stalled: a response that was due did not come within the wait.
	Stalled bool
	// Extra counts responses after the ones wanted (before the probe's).
	Extra int
	// Err is the first error that is neither a close nor a timeout.
	Err error
}

// A Response is one response read off the stream.
type Response struct {
	Status int
	Header http.Header
	Close  bool
	Body   string
}

func (o Outcome) String() string {
	var b strings.Builder
	b.WriteByte('[')
	for i, r := range o.Responses {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprint(&b, r.Status)
	}
	b.WriteByte(']')
	switch {
	case o.Closed:
		b.WriteString(" closed")
	case o.Stalled:
		b.WriteString(" stalled")
	default:
		b.WriteString(" open")
	}
	if o.Extra > 0 {
		fmt.Fprintf(&b, " +%d extra", o.Extra)
	}
	if o.Err != nil {
		fmt.Fprintf(&b, " (%v)", o.Err)
	}
	return b.String()
}

// Check returns nil if o is what c wants, or an error that says what
// differs: the answers (CheckAnswers), and the head rules every answer
// keeps (a Date on 2xx to 4xx, RFC 9110 §6.6.1; Connection: close on an
// error that ends the stream, RFC 9112 §9.6).
func (c *Case) Check(o Outcome) error {
	if err := c.CheckAnswers(o); err != nil {
		return err
	}
	got := c.trimContinue(o.Responses)
	for i, r := range got {
		if r.Status >= 200 && r.Status < 500 && r.Header.Get("Date") == "" {
			return fmt.Errorf("response %d (%d) has no Date", i+1, r.Status)
		}
	}
	if c.Close && !c.LateClose && len(got) > 0 {
		if last := got[len(got)-1]; last.Status >= 400 && !last.Close {
			return fmt.Errorf("the %d that ends the stream lacks Connection: close", last.Status)
		}
	}
	return nil
}

// trimContinue drops the 100 (Continue) responses a case allows but does
// not want.
func (c *Case) trimContinue(got []Response) []Response {
	if !c.MayContinue {
		return got
	}
	var out []Response
	for _, r := range got {
		if r.Status != 100 {
			out = append(out, r)
		}
	}
	return out
}

// CheckAnswers is Check without the head rules: statuses in order, echo
// lines and header fields wanted, and whether the stream stayed open.
func (c *Case) CheckAnswers(o Outcome) error {
	got := c.trimContinue(o.Responses)
	want := c.wantString()
	if len(got) != len(c.Want) || o.Extra > 0 || o.Stalled && c.Close {
		return fmt.Errorf("got %v, want %s", o, want)
	}
	for i, a := range c.Want {
		r := got[i]
		if r.Status != a.Status {
			return fmt.Errorf("got %v, want %s", o, want)
		}
		for _, line := range a.Echo {
			if !hasLine(r.Body, line) {
				return fmt.Errorf("response %d: echo lacks %q:\n%s", i+1, line, r.Body)
			}
		}
		for _, line := range a.NoEcho {
			if hasLine(r.Body, line) {
				return fmt.Errorf("response %d: echo holds %q:\n%s", i+1, line, r.Body)
			}
		}
		for _, h := range a.Header {
			name, sub, _ := strings.Cut(h, ": ")
			if v := strings.Join(r.Header.Values(name), ", "); !strings.Contains(v, sub) {
				return fmt.Errorf("response %d: %s is %q, want it to hold %q", i+1, name, v, sub)
			}
		}
		if a.Close && !r.Close {
			return fmt.Errorf("response %d does not announce Connection: close", i+1)
		}
	}
	if o.Closed != c.Close {
		return fmt.Errorf("got %v, want %s", o, want)
	}
	return nil
}

func (c *Case) wantString() string {
	var b strings.Builder
	b.WriteByte('[')
	for i, a := range c.Want {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprint(&b, a.Status)
	}
	b.WriteByte(']')
	if c.Close {
		b.WriteString(" closed")
	} else {
		b.WriteString(" open")
	}
	return b.String()
}

func hasLine(body, line string) bool {
	for l := range strings.Lines(body) {
		if strings.TrimSuffix(l, "\n") == line {
			return true
		}
	}
	return false
}
