package progress

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
)

// Progress shows only on a terminal, only after two seconds, and clears
// its line when done.
func TestProgress(t *testing.T) {
	var buf bytes.Buffer
	if p := New(&buf, "plan"); p.w != nil {
		t.Fatal("progress to a buffer would write")
	}
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	if p := New(f, "plan"); p.w != nil {
		t.Fatal("progress to a regular file would write")
	}
	p := &Reporter{w: &buf, what: "plan", start: time.Now()}
	p.Update(1, 10)
	if buf.Len() != 0 {
		t.Fatalf("progress within two seconds: %q", buf.String())
	}
	p.start = time.Now().Add(-3 * time.Second)
	p.Update(5, 10)
	if !strings.Contains(buf.String(), "\rplan: 5/10 (3s)") {
		t.Fatalf("progress after three seconds: %q", buf.String())
	}
	p.Done()
	if !strings.HasSuffix(buf.String(), "\r\033[K") {
		t.Errorf("Done did not clear the line: %q", buf.String())
	}
}
