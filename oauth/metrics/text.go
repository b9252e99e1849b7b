package metrics

import (
	"bufio"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// ContentType is the media type of what [Registry.WriteText] writes:
// Prometheus's text exposition format, version 0.0.4.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// WriteText writes every metric of the registry in the text exposition
// format, families in the order of their names: for each, a HELP and a
// TYPE line, then its samples. A histogram's samples are its cumulative
// buckets (name_bucket, with le="+Inf" last), name_sum and name_count.
func (r *Registry) WriteText(w io.Writer) error {
	r.mu.Lock()
	families := slices.Clone(r.families)
	r.mu.Unlock()
	tw := &textWriter{w: bufio.NewWriter(w)}
	for _, f := range families {
		d := f.describe()
		tw.line("# HELP ", d.name, " ", helpEscaper.Replace(d.help))
		tw.line("# TYPE ", d.name, " ", d.kind)
		f.write(tw)
	}
	return tw.w.Flush()
}

// Handler serves the registry to Prometheus's scrapes.
func (r *Registry) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", ContentType)
		// An error means the scraper went away: there is no one to tell.
		r.WriteText(w)
	})
}

// The format's escapes: in HELP text a backslash and a line feed, in a
// label value also the double quote that ends it.
var (
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
	valueEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
)

// labelPair is one label of a sample.
type labelPair struct{ name, value string }

// textWriter writes lines of the format. bufio.Writer keeps the first
// error and ignores the writes after it, which WriteText returns.
type textWriter struct {
	w *bufio.Writer
}

func (t *textWriter) line(parts ...string) {
	for _, p := range parts {
		t.w.WriteString(p)
	}
	t.w.WriteByte('\n')
}

// sample writes one sample: name{labels} value.
func (t *textWriter) sample(name string, labels []labelPair, value string) {
	t.w.WriteString(name)
	if len(labels) > 0 {
		t.w.WriteByte('{')
		for i, l := range labels {
			if i > 0 {
				t.w.WriteByte(',')
			}
			t.w.WriteString(l.name)
			t.w.WriteString(`="`)
			t.w.WriteString(valueEscaper.Replace(l.value))
			t.w.WriteByte('"')
		}
		t.w.WriteByte('}')
	}
	t.line(" ", value)
}

// histogram writes one series of a histogram. buckets are the counts per
// bound and then +Inf, not cumulative; the format wants each bucket to
// count every observation up to its bound.
func (t *textWriter) histogram(name string, labels []labelPair, bounds []float64, buckets []uint64, sum float64, count uint64) {
	withLE := append(slices.Clone(labels), labelPair{name: "le"})
	cumulative := uint64(0)
	for i, n := range buckets {
		cumulative += n
		le := "+Inf"
		if i < len(bounds) {
			le = formatFloat(bounds[i])
		}
		withLE[len(labels)].value = le
		t.sample(name+"_bucket", withLE, formatUint(cumulative))
	}
	t.sample(name+"_sum", labels, formatFloat(sum))
	t.sample(name+"_count", labels, formatUint(count))
}

// formatFloat writes v as the format reads it: Go's shortest form, and
// +Inf, -Inf and NaN spelled out.
func formatFloat(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func formatUint(n uint64) string { return strconv.FormatUint(n, 10) }
