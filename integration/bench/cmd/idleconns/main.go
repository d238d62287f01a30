// Command idleconns opens many keep-alive connections to a loopback HTTP
// server, sends one request on each and reads its response, then holds
// them all open and idle, so that idle.sh can read what an idle
// connection costs the server in resident memory.
//
//	idleconns -addr 127.0.0.1:18080 -n 10000
//
// It prints "ready N" on standard output once every connection has had its
// answer, then waits until standard input ends or a signal arrives, and
// closes them all. It raises its own open-file limit to the hard limit;
// the shell must allow n descriptors and some to spare.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// dialers is how many connections are set up at once: enough to be quick,
// few enough not to overflow the server's accept backlog.
const dialers = 32

// exchangeTimeout bounds one connection's dial, request and response.
const exchangeTimeout = 10 * time.Second

const request = "GET /plaintext HTTP/1.1\r\nHost: localhost\r\nUser-Agent: idleconns\r\n\r\n"

func main() {
	addr := flag.String("addr", "127.0.0.1:18080", "loopback address of the server")
	n := flag.Int("n", 10000, "connections to open and hold")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("idleconns: ")
	host, _, err := net.SplitHostPort(*addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		log.Fatalf("-addr %q: want a loopback IP address and port", *addr)
	}
	if *n < 1 {
		log.Fatal("-n must be positive")
	}
	conns, err := open(*addr, *n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("ready %d\n", len(conns))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		io.Copy(io.Discard, os.Stdin) //nolint:errcheck // any end of stdin is the signal
		stop()
	}()
	<-ctx.Done()
}

// open sets up n connections, each with one answered request.
func open(addr string, n int) ([]net.Conn, error) {
	conns := make([]net.Conn, n)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		next     = make(chan int)
	)
	for range dialers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				c, err := exchange(addr)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("connection %d: %w", i, err)
				}
				conns[i] = c
				mu.Unlock()
			}
		}()
	}
	for i := range n {
		mu.Lock()
		failed := firstErr != nil
		mu.Unlock()
		if failed {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	kept := conns[:0]
	for _, c := range conns {
		if c != nil {
			kept = append(kept, c)
		}
	}
	return kept, firstErr
}

func exchange(addr string) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", addr, exchangeTimeout)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(exchangeTimeout)) //nolint:errcheck // a failed deadline shows as a failed read
	if _, err := io.WriteString(c, request); err != nil {
		c.Close()
		return nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReaderSize(c, 512), nil)
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err == nil && (resp.StatusCode != 200 || resp.Close) {
			err = errors.New(resp.Status + ", or not kept alive")
		}
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	c.SetDeadline(time.Time{}) //nolint:errcheck // idle from here on
	return c, nil
}
