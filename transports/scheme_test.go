package transports

import (
	"errors"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestKCPNotLinked: a program that imports transports and never names
// kcp:// must not link kcp-go, whose package initialisation starts
// goroutines that never end, nor its FEC library.
func TestKCPNotLinked(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command, needed to list dependencies: %v", err)
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	for _, heavy := range []string{"github.com/xtaci/kcp-go/v5", "github.com/klauspost/reedsolomon",
		"github.com/tophat-go/tophat/transports/kcp"} {
		if slices.Contains(deps, heavy) {
			t.Errorf("package transports depends on %s", heavy)
		}
	}
	if !slices.Contains(deps, "github.com/tophat-go/tophat/transports/unix") {
		t.Errorf("go list output does not look like a dependency list:\n%s", out)
	}
}

// TestUnregisteredScheme: kcp:// in a program that does not import
// transports/kcp names the package to import.
func TestUnregisteredScheme(t *testing.T) {
	schemesMu.Lock()
	saved := schemes["kcp"]
	delete(schemes, "kcp")
	schemesMu.Unlock()
	t.Cleanup(func() {
		schemesMu.Lock()
		if saved != nil {
			schemes["kcp"] = saved
		}
		schemesMu.Unlock()
	})
	for _, address := range []string{"kcp://127.0.0.1:9000", "tls+kcp://127.0.0.1:9000?key=s3cret", "kcp:127.0.0.1:9000"} {
		_, err := ParseAddress(address)
		if !errors.Is(err, ErrUnknownScheme) {
			t.Errorf("%s: %v, want ErrUnknownScheme", address, err)
			continue
		}
		if strings.Contains(address, "://") &&
			!strings.Contains(err.Error(), `import _ "github.com/tophat-go/tophat/transports/kcp" to register it`) {
			t.Errorf("%s: error %q does not say what to import", address, err)
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%s: error %q shows the key of a scheme whose secrets are unknown", address, err)
		}
	}
}

func TestRegisterMistakesPanic(t *testing.T) {
	for name, s := range map[string]Scheme{
		"duplicate":  *lookupScheme("tcp"),
		"empty name": {Listen: lookupScheme("tcp").Listen, Dialer: lookupScheme("tcp").Dialer},
		"upper case": {Name: "TCP2", Listen: lookupScheme("tcp").Listen, Dialer: lookupScheme("tcp").Dialer},
		"tls+":       {Name: "tls+x", Listen: lookupScheme("tcp").Listen, Dialer: lookupScheme("tcp").Dialer},
		"no Listen":  {Name: "x", Dialer: lookupScheme("tcp").Dialer},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: Register did not panic", name)
				}
			}()
			Register(s)
		}()
	}
}
