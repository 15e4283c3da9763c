package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"
)

// progressDelay is how long work runs before progress shows.
const progressDelay = 2 * time.Second

// progress reports long work on a terminal's stderr: nothing for the first
// two seconds, nothing at all when stderr is not a terminal, so that
// redirected output holds only what the command prints.
type progress struct {
	w     io.Writer // nil: report nothing
	what  string
	start time.Time
	mu    sync.Mutex
	shown bool
	last  time.Time
}

func newProgress(w io.Writer, what string) *progress {
	if f, ok := w.(*os.File); !ok || !isTerminal(f) {
		w = nil
	}
	return &progress{w: w, what: what, start: time.Now()}
}

// isTerminal reports whether f is a character device: a terminal.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// Update shows done of total, at most every tenth of a second.
func (p *progress) Update(done, total int) {
	if p == nil || p.w == nil {
		return
	}
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if now.Sub(p.start) < progressDelay || now.Sub(p.last) < 100*time.Millisecond && done < total {
		return
	}
	p.last, p.shown = now, true
	fmt.Fprintf(p.w, "\r%s: %d/%d (%.0fs)", p.what, done, total, now.Sub(p.start).Seconds())
}

// Done clears the progress line, if one was shown.
func (p *progress) Done() {
	if p == nil || p.w == nil || !p.shown {
		return
	}
	fmt.Fprintf(p.w, "\r\033[K")
}

// newLogger logs to w at debug level with --verbose, else nowhere.
func newLogger(w io.Writer, verbose bool) *slog.Logger {
	if !verbose || w == nil {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
