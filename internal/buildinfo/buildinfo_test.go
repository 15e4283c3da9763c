package buildinfo

import (
	"runtime"
	"strings"
	"testing"
)

func TestString(t *testing.T) {
	got := String("tiered", "v1.2.3")
	if !strings.HasPrefix(got, "tiered v1.2.3") || !strings.HasSuffix(got, runtime.Version()) {
		t.Errorf("String = %q, want tiered v1.2.3 … %s", got, runtime.Version())
	}
	if got := String("tiered", ""); !strings.HasPrefix(got, "tiered ") || strings.HasPrefix(got, "tiered  ") {
		t.Errorf("String without a stamp = %q", got)
	}
}
