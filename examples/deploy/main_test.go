package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports/pipe"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestHandler(t *testing.T) {
	l, err := pipe.Listen("", nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := &core.Server{Handler: core.HandlerFunc(handle)}
	go srv.Serve(l)
	defer srv.Close()
	c := l.Client()
	defer c.CloseIdleConnections()
	who := fmt.Sprintf("pid=%d client=", os.Getpid())
	for target, want := range map[string]struct {
		status int
		prefix string
		suffix string
	}{
		"/":            {200, who, "\n"},
		"/slow?ms=1":   {200, who, "\ndone\n"},
		"/slow?ms=-1":  {400, "ms must be", "\n"},
		"/slow?ms=1e9": {400, "ms must be", "\n"},
	} {
		resp, err := c.Get("http://deploy" + target)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want.status || !strings.HasPrefix(string(body), want.prefix) || !strings.HasSuffix(string(body), want.suffix) {
			t.Errorf("%s: %d %q", target, resp.StatusCode, body)
		}
	}
}

func TestListenNeedsSomething(t *testing.T) {
	if _, err := listen("", ""); err == nil {
		t.Fatal("listen with no address and no inherited socket succeeded")
	}
}
