package integration

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/tophat-go/tophat/internal/testtool"
)

// benchmarkOnly are modules that only the benchmark module
// (integration/bench, a module of its own) may use. A library user who
// imports any tophat package must never download or link them.
var benchmarkOnly = []string{
	"github.com/valyala/fasthttp",
}

// TestNoBenchmarkOnlyDependencies checks that no package of the library
// module, tests included, imports a benchmark-only module, and that the
// library's go.mod does not require one.
func TestNoBenchmarkOnlyDependencies(t *testing.T) {
	goTool := testtool.Require(t, "go", "golang-go")
	root := moduleRoot(t, goTool)

	// ./... from the module root stops at integration/bench's go.mod, so
	// this is the library's own graph.
	cmd := exec.Command(goTool, "list", "-deps", "-test", "-f", "{{.ImportPath}}", "./...")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, stderrOf(err))
	}
	packages := strings.Fields(string(out))
	if len(packages) == 0 {
		t.Fatal("go list -deps listed no packages")
	}
	for _, pkg := range packages {
		if strings.HasPrefix(pkg, "github.com/tophat-go/tophat/integration/bench") {
			t.Errorf("the library's graph reaches the benchmark module: %s", pkg)
		}
		for _, mod := range benchmarkOnly {
			if pkg == mod || strings.HasPrefix(pkg, mod+"/") {
				t.Errorf("the library's graph imports %s, which only integration/bench may use", pkg)
			}
		}
	}

	cmd = exec.Command(goTool, "mod", "edit", "-json")
	cmd.Dir = root
	out, err = cmd.Output()
	if err != nil {
		t.Fatalf("go mod edit -json: %v\n%s", err, stderrOf(err))
	}
	var gomod struct {
		Require []struct{ Path string }
	}
	if err := json.Unmarshal(out, &gomod); err != nil {
		t.Fatalf("go mod edit -json: %v", err)
	}
	for _, req := range gomod.Require {
		for _, mod := range benchmarkOnly {
			if req.Path == mod {
				t.Errorf("go.mod requires %s, which only integration/bench may use; run go mod tidy", mod)
			}
		}
	}
}

// moduleRoot returns the directory of the library module's go.mod.
func moduleRoot(t *testing.T, goTool string) string {
	t.Helper()
	out, err := exec.Command(goTool, "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		t.Fatalf("go list -m: %v\n%s", err, stderrOf(err))
	}
	root := strings.TrimSpace(string(out))
	if root == "" {
		t.Fatal("go list -m found no module directory")
	}
	return root
}

func stderrOf(err error) []byte {
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.Stderr
	}
	return nil
}
