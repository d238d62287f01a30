package main

import (
	"bytes"
	"context"
	stdtls "crypto/tls"
	"errors"
	"net"
	"strconv"
	"sync"

	"github.com/tophat-go/tophat/transports/tls"
)

// cannedDate stands in for a Date header: the canned server formats
// nothing, but its responses are as long as the others'.
const cannedDate = "Date: Mon, 02 Jan 2006 15:04:05 GMT\r\n"

// cannedResponses are written byte for byte, whatever the request says.
var cannedResponses = map[string][]byte{
	"plaintext": cannedResponse("text/plain", []byte(helloBody), false),
	"json":      cannedResponse("application/json", jsonBody, false),
	"upload":    cannedResponse("text/plain", []byte(helloBody), false),
	"close":     cannedResponse("text/plain", []byte(helloBody), true),
}

func cannedResponse(contentType string, body []byte, closing bool) []byte {
	var b bytes.Buffer
	b.WriteString("HTTP/1.1 200 OK\r\nContent-Type: " + contentType + "\r\n")
	b.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n")
	b.WriteString(cannedDate)
	if closing {
		b.WriteString("Connection: close\r\n")
	}
	b.WriteString("\r\n")
	b.Write(body)
	return b.Bytes()
}

// cannedReadBuffer is what one Read may bring: 16 pipelined heads, or a
// good part of an upload.
const cannedReadBuffer = 16 << 10

// serveCanned is the limit server: it parses nothing, and for every
// "\r\n\r\n" it reads (the end of a request head; an upload's body holds
// none) it writes resp, all the answers to one Read in one Write. With
// closing it closes the connection after the first answer.
func serveCanned(ctx context.Context, addr string, cert *tls.DevCertificate, resp []byte, closing bool, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	ready(ln.Addr())
	if cert != nil {
		ln = stdtls.NewListener(ln, &stdtls.Config{Certificates: []stdtls.Certificate{cert.Certificate}})
	}
	var (
		mu    sync.Mutex
		conns = map[net.Conn]struct{}{}
		wg    sync.WaitGroup
	)
	go func() {
		<-ctx.Done()
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
	}()
	for {
		c, err := ln.Accept()
		if err != nil {
			wg.Wait()
			if ctx.Err() != nil && errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		mu.Lock()
		conns[c] = struct{}{}
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			cannedConn(c, resp, closing)
			mu.Lock()
			delete(conns, c)
			mu.Unlock()
			c.Close()
		}()
	}
}

var headEnd = []byte("\r\n\r\n")

func cannedConn(c net.Conn, resp []byte, closing bool) {
	const carryMax = len("\r\n\r") // a head end split across reads
	buf := make([]byte, carryMax+cannedReadBuffer)
	var out []byte
	carry := 0
	for {
		n, err := c.Read(buf[carryMax:])
		if n > 0 {
			data := buf[carryMax-carry : carryMax+n]
			answers := 0
			for {
				i := bytes.Index(data, headEnd)
				if i < 0 {
					break
				}
				answers++
				data = data[i+len(headEnd):]
			}
			carry = min(len(data), carryMax)
			copy(buf[carryMax-carry:carryMax], data[len(data)-carry:])
			if answers > 0 {
				if closing {
					answers = 1
				}
				out = out[:0]
				for range answers {
					out = append(out, resp...)
				}
				if _, err := c.Write(out); err != nil || closing {
					return
				}
			}
		}
		if err != nil {
			return
		}
	}
}
