package integration

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/transports"
	"github.com/tophat-go/tophat/transports/unix"
)

// TestPeerCredentialsSeenByHandler checks that a handler learns who is on
// the other end of a Unix socket, directly and through TLS, from the
// request's stream.
func TestPeerCredentialsSeenByHandler(t *testing.T) {
	whoami := core.HandlerFunc(func(req *core.Request, w *core.ResponseWriter) core.ResponseWritten {
		cred, err := unix.CredentialsOf(req.Stream())
		if err != nil {
			return w.SendString(500, err.Error())
		}
		return w.SendString(200, fmt.Sprintf("uid=%d gid=%d pid=%d", cred.UID, cred.GID, cred.PID))
	})
	want := fmt.Sprintf("uid=%d gid=%d pid=%d", os.Getuid(), os.Getgid(), os.Getpid())
	dir := t.TempDir()
	for _, scheme := range []string{"unix", "tls+unix"} {
		t.Run(scheme, func(t *testing.T) {
			address := scheme + "://" + filepath.Join(dir, scheme+".sock")
			opts := &transports.Options{DevCertFile: filepath.Join(dir, scheme+".pem")}
			l, err := transports.Listen(address, opts)
			if err != nil {
				t.Fatal(err)
			}
			srv := &core.Server{Handler: whoami}
			served := make(chan error, 1)
			go func() { served <- srv.Serve(l) }()
			defer func() {
				srv.Close()
				<-served
			}()
			tr, err := transports.Transport(address, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer tr.CloseIdleConnections()
			url := "http://localhost/whoami"
			if scheme == "tls+unix" {
				url = "https://localhost/whoami"
			}
			resp, err := (&http.Client{Transport: tr}).Get(url)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || string(body) != want {
				t.Fatalf("handler saw %d %q, want %q", resp.StatusCode, body, want)
			}
		})
	}
}
