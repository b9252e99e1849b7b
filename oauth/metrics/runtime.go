package metrics

import (
	"math"
	rtmetrics "runtime/metrics"
)

// addRuntime adds a few numbers of the Go runtime, read from
// runtime/metrics at each scrape: enough to see a goroutine leak, the
// memory the process holds, and how often and how long the garbage
// collector stops it. The names are runtime/metrics' own, made into
// Prometheus names, with the two that Go programs have long exported
// under shorter ones (go_goroutines, go_gc_cycles_total).
func addRuntime(r *Registry) {
	for _, m := range []struct {
		name, help, sample string
		counter            bool
	}{
		{"go_goroutines", "Goroutines that currently exist.", "/sched/goroutines:goroutines", false},
		{"go_sched_gomaxprocs_threads", "The GOMAXPROCS setting: threads that may run Go code at once.",
			"/sched/gomaxprocs:threads", false},
		{"go_memory_classes_heap_objects_bytes", "Heap memory held by objects, live or not yet swept.",
			"/memory/classes/heap/objects:bytes", false},
		{"go_memory_classes_total_bytes", "All memory the Go runtime has mapped for the process.",
			"/memory/classes/total:bytes", false},
		{"go_gc_heap_goal_bytes", "The heap size at which the next garbage collection starts.",
			"/gc/heap/goal:bytes", false},
		{"go_gc_cycles_total", "Garbage collection cycles completed.", "/gc/cycles/total:gc-cycles", true},
	} {
		read := func() float64 { return readRuntimeValue(m.sample) }
		if m.counter {
			r.NewCounterFunc(m.name, m.help, read)
		} else {
			r.NewGaugeFunc(m.name, m.help, read)
		}
	}
	r.add(&runtimePauses{
		desc:   desc{"go_gc_pauses_seconds", "Stop-the-world pauses of the garbage collector.", "histogram"},
		sample: "/sched/pauses/total/gc:seconds",
		bounds: []float64{1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 5e-3, 1e-2, 0.1, 1},
	})
}

// readRuntimeValue reads one number from runtime/metrics, whatever its
// kind; NaN if this Go does not have it.
func readRuntimeValue(name string) float64 {
	s := []rtmetrics.Sample{{Name: name}}
	rtmetrics.Read(s)
	switch v := s[0].Value; v.Kind() {
	case rtmetrics.KindUint64:
		return float64(v.Uint64())
	case rtmetrics.KindFloat64:
		return v.Float64()
	}
	return math.NaN()
}

// runtimePauses is a histogram of runtime/metrics written as a Prometheus
// histogram. The runtime keeps its observations in many narrow buckets,
// and no sum; this family puts them into a few wide buckets, each runtime
// bucket into the first wide one that holds all of it, and estimates the
// sum from the middle of each narrow bucket, which is off by at most half
// a narrow bucket's width per pause.
type runtimePauses struct {
	desc
	sample string
	bounds []float64
}

func (p *runtimePauses) write(w *textWriter) {
	s := []rtmetrics.Sample{{Name: p.sample}}
	rtmetrics.Read(s)
	if s[0].Value.Kind() != rtmetrics.KindFloat64Histogram {
		return // not in this Go: the family stays empty
	}
	h := s[0].Value.Float64Histogram()
	buckets := make([]uint64, len(p.bounds)+1)
	var count uint64
	var sum float64
	for i, n := range h.Counts {
		if n == 0 {
			continue
		}
		lower, upper := h.Buckets[i], h.Buckets[i+1]
		buckets[firstHolding(p.bounds, upper)] += n
		count += n
		sum += float64(n) * middle(lower, upper)
	}
	w.histogram(p.name, nil, p.bounds, buckets, sum, count)
}

// firstHolding is the first of bounds that a narrow bucket ending at
// upper fits under, len(bounds) for +Inf.
func firstHolding(bounds []float64, upper float64) int {
	j := 0
	for j < len(bounds) && bounds[j] < upper {
		j++
	}
	return j
}

// middle is the middle of a bucket, or its finite end if the other is
// infinite.
func middle(lower, upper float64) float64 {
	switch {
	case math.IsInf(lower, -1):
		return upper
	case math.IsInf(upper, 1):
		return lower
	}
	return (lower + upper) / 2
}
