package main

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

var sink [][]byte

// tuneGC collects nothing while the heap is under its quiet size, then
// switches to its percent and limit after the first collection.
func TestTuneGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	runtime.GC()
	const quiet, percent, limit = 64 << 20, 150, 900 << 20
	tuneGC(quiet, percent, func() int64 { return limit })
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 16 { // 16 MiB of garbage, under quiet
		sink = append(sink[:0], make([]byte, 1<<20))
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if after.NumGC != before.NumGC {
		t.Fatalf("%d collections under the quiet heap size", after.NumGC-before.NumGC)
	}
	if got := debug.SetMemoryLimit(-1); got != quiet {
		t.Fatalf("memory limit %d before the first collection, want %d", got, quiet)
	}
	// Past quiet: a collection, and the settings switch.
	deadline := time.Now().Add(10 * time.Second)
	for debug.SetMemoryLimit(-1) != limit {
		if time.Now().After(deadline) {
			t.Fatal("the settings did not switch after the heap passed the quiet size")
		}
		sink = append(sink[:0], make([]byte, 1<<20))
		runtime.Gosched()
	}
	if got := debug.SetGCPercent(percent); got != percent {
		t.Errorf("GC percent %d after the switch, want %d", got, percent)
	}
	sink = nil
}
