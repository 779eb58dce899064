// Command timers measures 1,000,000 live context.WithTimeout(Background, 1h) contexts, all alive
// at once: heap bytes per context, and the time to create them all and to cancel them all. It is
// the Go side of FootprintMain's "timers" scenario and prints the same RESULT lines.
package main

import (
	"context"
	"flag"
	"fmt"
	"runtime"
	"time"
)

func heapAfterGC() uint64 {
	var stats runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&stats)
	return stats.HeapAlloc
}

func main() {
	count := flag.Int("n", 1000000, "live contexts")
	flag.Parse()
	ctxs := make([]context.Context, *count)
	cancels := make([]context.CancelFunc, *count)
	round := func() {
		for i := range ctxs {
			ctxs[i], cancels[i] = context.WithTimeout(context.Background(), time.Hour)
		}
	}
	cancelAll := func() {
		for i := range cancels {
			cancels[i]()
			ctxs[i], cancels[i] = nil, nil
		}
	}
	round() // same warm-up round as the Java main
	cancelAll()
	before := heapAfterGC()
	t0 := time.Now()
	round()
	created := time.Since(t0)
	after := heapAfterGC()
	t1 := time.Now()
	cancelAll()
	canceled := time.Since(t1)
	// ctx and cancel func both belong to one Go context; the slices themselves are preallocated.
	fmt.Printf("RESULT timers.go.bytesPerCtx %.3f B\n", float64(after-before)/float64(*count))
	fmt.Printf("RESULT timers.go.createMs %.3f ms\n", float64(created.Nanoseconds())/1e6)
	fmt.Printf("RESULT timers.go.cancelMs %.3f ms\n", float64(canceled.Nanoseconds())/1e6)
	fmt.Printf("RESULT timers.go.count %d.000 contexts\n", *count)
	runtime.KeepAlive(ctxs)
}
