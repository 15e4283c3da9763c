// Package progress shows how far long work has come, on a terminal only:
// redirected output never gets it.
package progress

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// delay is how long work runs before progress shows.
const delay = 2 * time.Second

// Reporter reports long work on a terminal's stderr: nothing for the first
// two seconds, nothing at all when stderr is not a terminal, so that
// redirected output holds only what the command prints.
type Reporter struct {
	w     io.Writer // nil: report nothing
	what  string
	start time.Time
	mu    sync.Mutex
	shown bool
	last  time.Time
}

// New reports the progress of what on w: nothing unless w is a
// terminal, and nothing for the first two seconds.
func New(w io.Writer, what string) *Reporter {
	if f, ok := w.(*os.File); !ok || !isTerminal(f) {
		w = nil
	}
	return &Reporter{w: w, what: what, start: time.Now()}
}

// isTerminal reports whether f is a character device: a terminal.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// Update shows done of total, at most every tenth of a second.
func (p *Reporter) Update(done, total int) {
	if p == nil || p.w == nil {
		return
	}
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if now.Sub(p.start) < delay || now.Sub(p.last) < 100*time.Millisecond && done < total {
		return
	}
	p.last, p.shown = now, true
	fmt.Fprintf(p.w, "\r%s: %d/%d (%.0fs)", p.what, done, total, now.Sub(p.start).Seconds())
}

// Done clears the progress line, if one was shown.
func (p *Reporter) Done() {
	if p == nil || p.w == nil || !p.shown {
		return
	}
	fmt.Fprintf(p.w, "\r\033[K")
}
