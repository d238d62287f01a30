package metrics_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/tophat-go/tophat/internal/testtool"
)

// TestDependsOnCoreAlone: a program that records metrics and exports them
// with neither Prometheus nor OpenTelemetry links neither; the exporters'
// packages bring their own.
func TestDependsOnCoreAlone(t *testing.T) {
	goTool := testtool.Require(t, "go", "golang-go")
	out, err := exec.Command(goTool, "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}",
		"github.com/tophat-go/tophat/core/metrics").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	own := []string{
		"github.com/tophat-go/tophat/core",
		"github.com/tophat-go/tophat/core/metrics",
		"github.com/tophat-go/tophat/core/metrics/internal/cowmap",
	}
	for _, pkg := range deps {
		if !slices.Contains(own, pkg) {
			t.Errorf("core/metrics depends on %s", pkg)
		}
	}
	if len(deps) != len(own) {
		t.Errorf("dependencies %q, want %q", deps, own)
	}
}
