package core_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/tophat-go/tophat/core"
)

func TestAccessLog(t *testing.T) {
	var out bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&out, nil))
	x := serve(t, nil, core.Chain(echo, core.AccessLog(logger)))
	x.send("POST /logged?x=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi")
	resp := x.response("POST")
	x.result()
	var line struct {
		Msg       string `json:"msg"`
		Method    string `json:"method"`
		Target    string `json:"target"`
		Status    int    `json:"status"`
		BodyBytes int64  `json:"body_bytes"`
		HeadBytes int64  `json:"head_bytes"`
		TTFB      int64  `json:"ttfb"`
		TTLB      int64  `json:"ttlb"`
		Remote    string `json:"remote"`
	}
	if err := json.Unmarshal(out.Bytes(), &line); err != nil {
		t.Fatalf("log line %q: %v", out.String(), err)
	}
	if line.Msg != "request" || line.Method != "POST" || line.Target != "/logged?x=1" || line.Status != 200 ||
		line.BodyBytes != int64(len(resp.body)) || line.HeadBytes == 0 || line.TTLB < line.TTFB || line.Remote != "pipe" {
		t.Fatalf("log line %+v", line)
	}
}

func TestChainOrder(t *testing.T) {
	var order []string
	mw := func(name string) core.Middleware {
		return func(next core.Handler) core.Handler {
			return core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
				order = append(order, name)
				return next.Serve(req, w)
			})
		}
	}
	x := serve(t, nil, core.Chain(echo, mw("outer"), mw("inner")))
	x.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
	x.response("GET")
	x.result()
	if len(order) != 2 || order[0] != "outer" || order[1] != "inner" {
		t.Fatalf("order %v", order)
	}
}
