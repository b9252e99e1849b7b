package metrics

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// Other is the value a label takes in place of any value it does not
// declare.
const Other = "other"

// A Label is a label's name and the values it may take. A value outside
// Values is recorded as [Other], so the number of series a metric can
// have is fixed when the metric is made, whatever its inputs: a counter
// fed from requests must not grow a series for each new value someone
// sends.
type Label struct {
	Name   string
	Values []string
}

// The names the format allows: metric names may hold colons, label names
// may not, and label names starting with two underscores are reserved.
var (
	metricName = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	labelName  = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

// Registry holds metrics and writes them ([Registry.WriteText]). It is
// safe for concurrent use; the metrics it makes are too.
//
// The New methods panic on a name the format does not allow, or one
// already in the registry: both are mistakes in the program, found the
// first time it runs.
type Registry struct {
	mu       sync.Mutex
	families []family // sorted by name
}

// family is one metric family: what writes its HELP and TYPE lines and
// its samples.
type family interface {
	describe() desc
	write(w *textWriter)
}

// desc is what a family says about itself in its HELP and TYPE lines.
type desc struct {
	name, help, kind string
}

func (d desc) describe() desc { return d }

// NewRegistry returns an empty Registry.
func NewRegistry() *Registry { return &Registry{} }

func (r *Registry) add(f family) {
	name := f.describe().name
	if !metricName.MatchString(name) {
		panic(fmt.Sprintf("metrics: %q is not a valid metric name", name))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	i, found := slices.BinarySearchFunc(r.families, name, func(f family, name string) int {
		return strings.Compare(f.describe().name, name)
	})
	if found {
		panic(fmt.Sprintf("metrics: %s is registered twice", name))
	}
	r.families = slices.Insert(r.families, i, f)
}

// labelSet numbers the series of a metric: each combination of label
// values is one number, so a series is found without allocating and its
// storage is a slice made once.
type labelSet struct {
	names  []string
	values [][]string       // per label: its declared values, then Other
	index  []map[string]int // per label: value → position in values
	size   int              // how many series: the product of the len(values[i])
}

func newLabelSet(labels []Label, reserved ...string) labelSet {
	ls := labelSet{size: 1}
	for _, l := range labels {
		if !labelName.MatchString(l.Name) || len(l.Name) >= 2 && l.Name[:2] == "__" ||
			slices.Contains(reserved, l.Name) || slices.Contains(ls.names, l.Name) {
			panic(fmt.Sprintf("metrics: %q is not a valid label name here", l.Name))
		}
		values := make([]string, 0, len(l.Values)+1)
		index := make(map[string]int, len(l.Values)+1)
		for _, v := range append(slices.Clone(l.Values), Other) {
			if _, dup := index[v]; !dup {
				index[v] = len(values)
				values = append(values, v)
			}
		}
		ls.names = append(ls.names, l.Name)
		ls.values = append(ls.values, values)
		ls.index = append(ls.index, index)
		ls.size *= len(values)
	}
	return ls
}

// series is the number of the series with these label values, one for
// each label in order. It panics when the count is wrong: a mistake in
// the program.
func (ls *labelSet) series(values []string) int {
	if len(values) != len(ls.names) {
		panic(fmt.Sprintf("metrics: %d label values for labels %v", len(values), ls.names))
	}
	n := 0
	for i, v := range values {
		j, ok := ls.index[i][v]
		if !ok {
			j = ls.index[i][Other]
		}
		n = n*len(ls.values[i]) + j
	}
	return n
}

// pairs returns the labels of series n, for writing.
func (ls *labelSet) pairs(n int) []labelPair {
	pairs := make([]labelPair, len(ls.names))
	for i := len(ls.names) - 1; i >= 0; i-- {
		k := len(ls.values[i])
		pairs[i] = labelPair{ls.names[i], ls.values[i][n%k]}
		n /= k
	}
	return pairs
}

// Counter counts events: a number that only goes up, one per combination
// of its labels' values. A series appears in the output from its first
// event on; a Counter without labels is always written.
type Counter struct {
	desc
	labels labelSet
	counts []atomic.Uint64
}

// NewCounter adds a Counter to the registry. Its name should end in
// _total, as Prometheus names counters.
func (r *Registry) NewCounter(name, help string, labels ...Label) *Counter {
	c := &Counter{desc: desc{name, help, "counter"}, labels: newLabelSet(labels)}
	c.counts = make([]atomic.Uint64, c.labels.size)
	r.add(c)
	return c
}

// Inc adds one to the series with these label values, one for each label
// in the order NewCounter was given them.
func (c *Counter) Inc(values ...string) {
	c.counts[c.labels.series(values)].Add(1)
}

func (c *Counter) write(w *textWriter) {
	for i := range c.counts {
		n := c.counts[i].Load()
		if n == 0 && len(c.labels.names) > 0 {
			continue
		}
		w.sample(c.name, c.labels.pairs(i), formatUint(n))
	}
}

// valueFunc is a metric without labels whose value is read when the
// registry is written: a gauge of something another part of the program
// keeps, or a counter the runtime keeps.
type valueFunc struct {
	desc
	read func() float64
}

// NewGaugeFunc adds a gauge whose value read returns, called each time
// the registry is written. read must be safe to call from any goroutine.
func (r *Registry) NewGaugeFunc(name, help string, read func() float64) {
	r.add(&valueFunc{desc{name, help, "gauge"}, read})
}

// NewCounterFunc adds a counter whose value read returns, called each
// time the registry is written; the value must never go down. read must
// be safe to call from any goroutine.
func (r *Registry) NewCounterFunc(name, help string, read func() float64) {
	r.add(&valueFunc{desc{name, help, "counter"}, read})
}

func (f *valueFunc) write(w *textWriter) {
	w.sample(f.name, nil, formatFloat(f.read()))
}

// Histogram counts observations, such as durations in seconds, into
// buckets by their size, and keeps their count and sum, one set per
// combination of its labels' values. A series appears in the output from
// its first observation on.
type Histogram struct {
	desc
	labels labelSet
	bounds []float64 // the buckets' upper bounds, ascending; +Inf is implied

	mu     sync.Mutex // guards series, so that a scrape sees each one whole
	series []histogramSeries
}

type histogramSeries struct {
	buckets []uint64 // per bound, then +Inf; not cumulative
	count   uint64
	sum     float64
}

// NewHistogram adds a Histogram to the registry. bounds are the buckets'
// upper bounds, in ascending order, without +Inf, which every histogram
// has. Its name should end in the unit, as in _seconds.
func (r *Registry) NewHistogram(name, help string, bounds []float64, labels ...Label) *Histogram {
	if len(bounds) == 0 || !sort.Float64sAreSorted(bounds) || slices.ContainsFunc(bounds, func(b float64) bool {
		return math.IsInf(b, 0) || math.IsNaN(b)
	}) || len(slices.Compact(slices.Clone(bounds))) != len(bounds) {
		panic(fmt.Sprintf("metrics: %s: bounds must be finite and strictly ascending: %v", name, bounds))
	}
	h := &Histogram{
		desc:   desc{name, help, "histogram"},
		labels: newLabelSet(labels, "le"), // le names the bucket
		bounds: slices.Clone(bounds),
	}
	h.series = make([]histogramSeries, h.labels.size)
	r.add(h)
	return h
}

// Observe records v in the series with these label values, one for each
// label in the order NewHistogram was given them.
func (h *Histogram) Observe(v float64, values ...string) {
	n := h.labels.series(values)
	bucket := sort.SearchFloat64s(h.bounds, v) // the first bound ≥ v; len(bounds) is +Inf
	h.mu.Lock()
	s := &h.series[n]
	if s.buckets == nil {
		s.buckets = make([]uint64, len(h.bounds)+1)
	}
	s.buckets[bucket]++
	s.count++
	s.sum += v
	h.mu.Unlock()
}

func (h *Histogram) write(w *textWriter) {
	// A copy, taken at once, so that every series is written whole and
	// no Observe waits on a slow reader of the output.
	h.mu.Lock()
	series := slices.Clone(h.series)
	for i := range series {
		series[i].buckets = slices.Clone(series[i].buckets)
	}
	h.mu.Unlock()
	for i, s := range series {
		if s.count > 0 {
			w.histogram(h.name, h.labels.pairs(i), h.bounds, s.buckets, s.sum, s.count)
		}
	}
}
