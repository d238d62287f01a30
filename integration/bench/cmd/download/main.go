// Command download is the client of download.sh: it fetches one URL
// -warmup plus -n times, one request after another over a single kept-alive
// TCP connection, reads each body into a large buffer and throws it away,
// and prints a line for each timed download:
//
//	download -url http://127.0.0.1:18082/file -size 1073741824 [-n 3] [-warmup 1]
//
//	1073741824	0.412337
//
// (bytes, then seconds from writing the request to reading the body's last
// byte). A download counts only if the status is 200, Content-Length is
// -size and exactly that many bytes arrive; anything else ends the program
// with an error, so a server that cuts a file short cannot look fast.
//
// One connection serves every download: at a gigabyte the handshake is
// noise, a warm connection leaves TCP's slow start out of the measure,
// and the next response on the same connection proves that the previous
// body ended exactly where its Content-Length said.
//
// It connects to loopback addresses only.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"time"
)

// bufferSize is what one Read may take: large enough that the client's
// cost per byte is the kernel's copy, not a system call every few KiB.
const bufferSize = 1 << 20

func main() {
	rawURL := flag.String("url", "", "http URL on a loopback address to download")
	size := flag.Int64("size", -1, "the file's size in bytes: every download must have exactly this many")
	n := flag.Int("n", 3, "timed downloads")
	warmup := flag.Int("warmup", 1, "untimed downloads first")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("download: ")
	if *size < 0 || *n < 1 || *warmup < 0 {
		log.Fatal("-size must be given; -n must be at least 1 and -warmup not negative")
	}
	u, err := loopbackURL(*rawURL)
	if err != nil {
		log.Fatal(err)
	}
	c, err := net.Dial("tcp", u.Host)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	d := newDownloader(c, u)
	for i := range *warmup + *n {
		seconds, err := d.get(*size)
		if err != nil {
			log.Fatalf("download %d: %v", i+1, err)
		}
		if i >= *warmup {
			fmt.Printf("%d\t%.6f\n", *size, seconds)
		}
	}
}

func loopbackURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("-url: %w", err)
	}
	if u.Scheme != "http" || u.Port() == "" {
		return nil, fmt.Errorf("-url %q: want http://IP:PORT/path", raw)
	}
	if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("-url %q: not a loopback IP address", raw)
	}
	return u, nil
}

// downloader sends GET requests for one URL on one connection.
type downloader struct {
	c   net.Conn
	br  *bufio.Reader
	req []byte
	buf []byte
}

func newDownloader(c net.Conn, u *url.URL) *downloader {
	return &downloader{
		c:   c,
		br:  bufio.NewReader(c),
		req: []byte("GET " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host + "\r\nUser-Agent: tophat-bench-download\r\n\r\n"),
		buf: make([]byte, bufferSize),
	}
}

var errClosed = errors.New("the server closes the connection")

// get downloads the URL once, checks that it brought exactly size bytes,
// and returns how long it took.
func (d *downloader) get(size int64) (float64, error) {
	start := time.Now()
	if _, err := d.c.Write(d.req); err != nil {
		return 0, err
	}
	resp, err := http.ReadResponse(d.br, nil)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return 0, fmt.Errorf("status %s", resp.Status)
	}
	if resp.ContentLength != size {
		return 0, fmt.Errorf("Content-Length %d, want %d", resp.ContentLength, size)
	}
	// A plain Read loop: io.Copy to io.Discard would read in 8 KiB pieces
	// of its own instead of into buf.
	var got int64
	for {
		n, err := resp.Body.Read(d.buf)
		got += int64(n)
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, fmt.Errorf("after %d of %d bytes: %w", got, size, err)
		}
	}
	seconds := time.Since(start).Seconds()
	if got != size {
		return 0, fmt.Errorf("%d bytes, want %d", got, size)
	}
	if resp.Close {
		return 0, errClosed
	}
	return seconds, nil
}
