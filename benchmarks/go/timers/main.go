// Command timers measures 1,000,000 live context.WithTimeout(Background, 1h) contexts, all alive
// at once: heap bytes per context, and the median over 3 rounds of the time to create them all
// and to cancel them all. It is the Go side of FootprintMain's "timers" scenario and prints the
// same RESULT lines.
package main

import (
	"context"
	"flag"
	"fmt"
	"runtime"
	"sort"
	"time"
)

func heapAfterGC() uint64 {
	var stats runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&stats)
	return stats.HeapAlloc
}

func median(values []int64) int64 {
	sorted := append([]int64(nil), values...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	return sorted[len(sorted)/2]
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
	round() // the same warm-up round as the Java main
	cancelAll()
	const rounds = 3 // as FootprintMain.TIMER_ROUNDS: the median is reported
	var createNanos, cancelNanos []int64
	var bytesPerCtx float64
	for r := 0; r < rounds; r++ {
		before := heapAfterGC()
		t0 := time.Now()
		round()
		createNanos = append(createNanos, time.Since(t0).Nanoseconds())
		bytesPerCtx = float64(heapAfterGC()-before) / float64(*count)
		t1 := time.Now()
		cancelAll()
		cancelNanos = append(cancelNanos, time.Since(t1).Nanoseconds())
	}
	// ctx and cancel func both belong to one Go context; the slices themselves are preallocated.
	fmt.Printf("RESULT timers.go.bytesPerCtx %.3f B\n", bytesPerCtx)
	fmt.Printf("RESULT timers.go.createMs %.3f ms\n", float64(median(createNanos))/1e6)
	fmt.Printf("RESULT timers.go.cancelMs %.3f ms\n", float64(median(cancelNanos))/1e6)
	fmt.Printf("RESULT timers.go.count %d.000 contexts\n", *count)
	runtime.KeepAlive(ctxs)
}
