// Package benchmarks measures Go's own context package on the scenarios that the JMH benchmarks
// of gocontext measure (../src/main/java/dev/gocontext/benchmarks), so that run.sh can put Go's
// ns/op and B/op beside ours. Run: go test -run '^$' -bench . -benchmem -cpu 2
package benchmarks

import (
	"context"
	"testing"
	"time"
)

// Sinks keep results alive, so the compiler cannot drop the work that produced them.
var (
	sinkCtx   context.Context
	sinkErr   error
	sinkBool  bool
	sinkValue interface{}
)

// ctxKey is an unexported key type, as Go's documentation advises for WithValue.
type ctxKey int

const values = 10

// BenchmarkCancel: WithCancel + cancel of a child registered in a live cancellable parent
// (Java: CancelBench).
func BenchmarkCancel(b *testing.B) {
	parent, cancelParent := context.WithCancel(context.Background())
	defer cancelParent()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		child, cancel := context.WithCancel(parent)
		cancel()
		sinkCtx = child
	}
}

// BenchmarkTimeout: WithTimeout(1h) + cancel (Java: TimeoutBench).
func BenchmarkTimeout(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
		cancel()
		sinkCtx = ctx
	}
}

// liveChain returns a live context depth cancellable levels below Background, and its root's cancel.
func liveChain(depth int) (context.Context, context.CancelFunc) {
	root, cancel := context.WithCancel(context.Background())
	ctx := context.Context(root)
	for i := 1; i < depth; i++ {
		var cancelChild context.CancelFunc
		ctx, cancelChild = context.WithCancel(ctx)
		_ = cancelChild // canceled with the root
	}
	return ctx, cancel
}

func benchErr(b *testing.B, depth int) {
	ctx, cancel := liveChain(depth)
	defer cancel()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sinkErr = ctx.Err()
	}
}

func benchDone(b *testing.B, depth int) {
	ctx, cancel := liveChain(depth)
	defer cancel()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		select {
		case <-ctx.Done():
			sinkBool = true
		default:
			sinkBool = false
		}
	}
}

// BenchmarkErrDepth1/4, BenchmarkDoneDepth1/4: polling a live context (Java: DoneCheckBench).
func BenchmarkErrDepth1(b *testing.B)  { benchErr(b, 1) }
func BenchmarkErrDepth4(b *testing.B)  { benchErr(b, 4) }
func BenchmarkDoneDepth1(b *testing.B) { benchDone(b, 1) }
func BenchmarkDoneDepth4(b *testing.B) { benchDone(b, 4) }

func buildValues() context.Context {
	ctx := context.Background()
	for i := 0; i < values; i++ {
		ctx = context.WithValue(ctx, ctxKey(i), i)
	}
	return ctx
}

// BenchmarkValueDeepest: the first key bound, farthest from the leaf (Java: ValueBench).
func BenchmarkValueDeepest(b *testing.B) {
	ctx := buildValues()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sinkValue = ctx.Value(ctxKey(0))
	}
}

// BenchmarkValueMissing: a key that is not bound (Java: ValueBench).
func BenchmarkValueMissing(b *testing.B) {
	ctx := buildValues()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sinkValue = ctx.Value(ctxKey(values))
	}
}

// BenchmarkBuildValues: binding 10 values one after another (Java: ValueBench.build*).
func BenchmarkBuildValues(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		sinkCtx = buildValues()
	}
}

const (
	fanOut    = 10
	treeDepth = 4
)

func buildTree(parent context.Context, levels int) {
	for i := 0; i < fanOut; i++ {
		child, cancel := context.WithCancel(parent)
		_ = cancel // canceled with the root
		if levels > 1 {
			buildTree(child, levels-1)
		}
	}
}

// BenchmarkTree: build a tree of 11,111 contexts (fan-out 10, 4 levels below the root), then
// cancel the root (Java: TreeBench).
func BenchmarkTree(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		root, cancel := context.WithCancel(context.Background())
		buildTree(root, treeDepth)
		cancel()
		sinkCtx = root
	}
}

// BenchmarkSharedParent: goroutines deriving from and cancelling under one shared parent; with
// -cpu 2, RunParallel runs 2 goroutines: the 2-thread scenario (Java: SharedParentBench). ns/op
// is aggregate, as JMH's throughput of both threads turned into time per operation.
func BenchmarkSharedParent(b *testing.B) {
	parent, cancelParent := context.WithCancel(context.Background())
	defer cancelParent()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var last context.Context
		for pb.Next() {
			child, cancel := context.WithCancel(parent)
			cancel()
			last = child
		}
		_ = last
	})
}

const churnChildren = 20000

// BenchmarkChildrenOneByOne: 20,000 children of one live parent, cancelled one by one; only the
// cancelling is timed (Java: ChildrenChurnBench). Go keeps children in a map, so each cancel is
// O(1); Go 1.19 has no AfterFunc, so the children carry no listener here.
func BenchmarkChildrenOneByOne(b *testing.B) {
	cancels := make([]context.CancelFunc, churnChildren)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		parent, cancelParent := context.WithCancel(context.Background())
		for j := range cancels {
			_, cancels[j] = context.WithCancel(parent)
		}
		b.StartTimer()
		for _, cancel := range cancels {
			cancel()
		}
		b.StopTimer()
		cancelParent()
		b.StartTimer()
	}
}
