package main

import (
	"io"
	"log/slog"
)

// newLogger logs to w at debug level with --verbose, else nowhere.
func newLogger(w io.Writer, verbose bool) *slog.Logger {
	if !verbose || w == nil {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
