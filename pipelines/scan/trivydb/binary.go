package trivydb

import (
	"fmt"
	"go/build"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stack-ci/stack/pipelines/internal/loopback"
)

// InstalledPath is where scripts/test builds Trivy
// (`go install github.com/aquasecurity/trivy/cmd/trivy@v0.74.0`).
const InstalledPath = "/opt/tools/bin/trivy"

// FindBinary locates the Trivy binary: $TRIVY_BIN, then PATH, then
// $(go env GOPATH)/bin/trivy, then InstalledPath. The error says where it
// looked.
func FindBinary() (string, error) {
	if p := os.Getenv("TRIVY_BIN"); p != "" {
		if isExecutable(p) {
			return p, nil
		}
		return "", fmt.Errorf("TRIVY_BIN=%q is not an executable file", p)
	}
	if p, err := exec.LookPath("trivy"); err == nil {
		return p, nil
	}
	candidates := []string{filepath.Join(goPath(), "bin", "trivy"), InstalledPath}
	for _, p := range candidates {
		if isExecutable(p) {
			return p, nil
		}
	}
	return "", fmt.Errorf("trivy not found in $TRIVY_BIN, on PATH, or at %s; build it with "+
		"`CGO_ENABLED=0 GOEXPERIMENT=jsonv2 go install github.com/aquasecurity/trivy/cmd/trivy@v0.74.0`",
		strings.Join(candidates, " or "))
}

// Binary returns the Trivy binary for an integration test, or skips the
// test (fails it under STACK_REQUIRE_INTEGRATION=1) when there is none.
func Binary(t testing.TB) string {
	t.Helper()
	p, err := FindBinary()
	loopback.Require(t, err == nil, fmt.Sprint(err))
	return p
}

func goPath() string {
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		if p := strings.TrimSpace(string(out)); p != "" {
			// GOPATH may list several directories; binaries go to the first.
			return filepath.SplitList(p)[0]
		}
	}
	return build.Default.GOPATH
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0
}
