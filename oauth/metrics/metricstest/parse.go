// Package metricstest reads Prometheus's text exposition format, version
// 0.0.4, back, strictly, so that a test can check both that a metrics page
// is well formed and what it says. Package oauth/metrics's tests use it on
// the writer; the end-to-end tests on the running app's page.
package metricstest

import (
	"fmt"
	"io"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// A Family is one metric family: its HELP text, its TYPE and its samples,
// in the order they came.
type Family struct {
	Name, Help, Type string
	Samples          []Sample
}

// A Sample is one line of values. A histogram's samples are named with
// the family's name and _bucket, _sum or _count.
type Sample struct {
	Name   string
	Labels map[string]string
	Value  float64
}

// Families are the families of a page, by name.
type Families map[string]*Family

// Parse reads a whole page in the text format and checks it as
// Prometheus's reader would, and more strictly in a few points, each a
// mistake a writer can make without Prometheus noticing at once:
//
//   - every family has one HELP and one TYPE line, before its samples,
//     and its lines come together, not interleaved with another's;
//   - no escape but \\, \n (and \" in label values) appears;
//   - no two samples have the same name and labels;
//   - a counter is never negative or NaN;
//   - each series of a histogram has buckets with ascending le, counts
//     that never go down, a le="+Inf" bucket equal to its _count, and a
//     _sum.
//
// The first problem found is the error, with its line number.
func Parse(r io.Reader) (Families, error) {
	p := &parser{families: Families{}, seen: map[string]bool{}, closed: map[string]bool{}, helped: map[string]bool{}}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	text := string(b)
	if text != "" && !strings.HasSuffix(text, "\n") {
		return nil, fmt.Errorf("the page does not end with a line feed")
	}
	for n, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if err := p.line(line); err != nil {
			return nil, fmt.Errorf("line %d: %w: %q", n+1, err, line)
		}
	}
	for _, f := range p.families {
		if err := checkFamily(f); err != nil {
			return nil, fmt.Errorf("family %s: %w", f.Name, err)
		}
	}
	return p.families, nil
}

var (
	metricName = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	labelName  = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

type parser struct {
	families Families
	current  string          // the family of the lines just read
	closed   map[string]bool // families whose lines have ended
	helped   map[string]bool // families whose HELP line was read
	seen     map[string]bool // the samples read, by name and labels
}

func (p *parser) line(line string) error {
	if strings.ContainsAny(line, "\r") {
		return fmt.Errorf("carriage return")
	}
	line = strings.Trim(line, " \t")
	switch {
	case line == "":
		return nil
	case strings.HasPrefix(line, "#"):
		return p.comment(strings.TrimLeft(line[1:], " \t"))
	}
	return p.sample(line)
}

// comment reads a HELP or a TYPE line; any other comment is ignored.
func (p *parser) comment(rest string) error {
	keyword, rest, _ := strings.Cut(rest, " ")
	if keyword != "HELP" && keyword != "TYPE" {
		return nil
	}
	name, text, _ := strings.Cut(strings.TrimLeft(rest, " \t"), " ")
	if !metricName.MatchString(name) {
		return fmt.Errorf("%s names no valid metric", keyword)
	}
	f, err := p.enter(name)
	if err != nil {
		return err
	}
	if len(f.Samples) > 0 {
		return fmt.Errorf("%s after the family's samples", keyword)
	}
	if keyword == "HELP" {
		if p.helped[name] {
			return fmt.Errorf("a second HELP")
		}
		p.helped[name] = true
		f.Help, err = unescape(text, false)
		return err
	}
	if f.Type != "" {
		return fmt.Errorf("a second TYPE")
	}
	kind := strings.Trim(text, " \t")
	if !slices.Contains([]string{"counter", "gauge", "histogram", "summary", "untyped"}, kind) {
		return fmt.Errorf("unknown type %q", kind)
	}
	f.Type = kind
	return nil
}

// enter makes name's family the current one, refusing to go back to a
// family whose lines ended.
func (p *parser) enter(name string) (*Family, error) {
	if name != p.current {
		if p.closed[name] {
			return nil, fmt.Errorf("the lines of %s do not come together", name)
		}
		if p.current != "" {
			p.closed[p.current] = true
		}
		p.current = name
	}
	f := p.families[name]
	if f == nil {
		f = &Family{Name: name}
		p.families[name] = f
	}
	return f, nil
}

// familyOf is the family a sample named name belongs to.
func (p *parser) familyOf(name string) string {
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		base, ok := strings.CutSuffix(name, suffix)
		if f := p.families[base]; ok && f != nil && (f.Type == "histogram" || f.Type == "summary" && suffix != "_bucket") {
			return base
		}
	}
	return name
}

func (p *parser) sample(line string) error {
	end := strings.IndexAny(line, "{ \t")
	if end < 0 {
		return fmt.Errorf("a sample without a value")
	}
	name := line[:end]
	if !metricName.MatchString(name) {
		return fmt.Errorf("invalid metric name")
	}
	rest := line[end:]
	labels := map[string]string{}
	if strings.HasPrefix(rest, "{") {
		var err error
		if labels, rest, err = readLabels(rest[1:]); err != nil {
			return err
		}
	}
	fields := strings.Fields(rest)
	if len(fields) < 1 || len(fields) > 2 || rest == strings.TrimLeft(rest, " \t") {
		return fmt.Errorf("want a value and at most a timestamp after the name and labels")
	}
	value, err := strconv.ParseFloat(fields[0], 64)
	if err != nil {
		return fmt.Errorf("value: %w", err)
	}
	if len(fields) == 2 {
		if _, err := strconv.ParseInt(fields[1], 10, 64); err != nil {
			return fmt.Errorf("timestamp: %w", err)
		}
	}
	f, err := p.enter(p.familyOf(name))
	if err != nil {
		return err
	}
	if !p.helped[f.Name] || f.Type == "" {
		return fmt.Errorf("a sample of %s before its HELP and TYPE lines", f.Name)
	}
	key := name + seriesKey(labels)
	if p.seen[key] {
		return fmt.Errorf("a second sample with the same name and labels")
	}
	p.seen[key] = true
	if f.Type == "counter" && (value < 0 || math.IsNaN(value)) {
		return fmt.Errorf("a counter of %v", value)
	}
	f.Samples = append(f.Samples, Sample{Name: name, Labels: labels, Value: value})
	return nil
}

// readLabels reads name="value" pairs up to the closing brace, and returns
// what follows it.
func readLabels(s string) (map[string]string, string, error) {
	labels := map[string]string{}
	for {
		s = strings.TrimLeft(s, " \t")
		if strings.HasPrefix(s, "}") {
			return labels, s[1:], nil
		}
		eq := strings.IndexByte(s, '=')
		if eq < 0 {
			return nil, "", fmt.Errorf("a label without =")
		}
		name := strings.Trim(s[:eq], " \t")
		if !labelName.MatchString(name) || strings.HasPrefix(name, "__") {
			return nil, "", fmt.Errorf("invalid label name %q", name)
		}
		if _, dup := labels[name]; dup {
			return nil, "", fmt.Errorf("label %s twice", name)
		}
		s = strings.TrimLeft(s[eq+1:], " \t")
		if !strings.HasPrefix(s, `"`) {
			return nil, "", fmt.Errorf("label %s: the value is not quoted", name)
		}
		end := closingQuote(s[1:])
		if end < 0 {
			return nil, "", fmt.Errorf("label %s: the value does not end", name)
		}
		value, err := unescape(s[1:1+end], true)
		if err != nil {
			return nil, "", fmt.Errorf("label %s: %w", name, err)
		}
		labels[name] = value
		s = strings.TrimLeft(s[2+end:], " \t")
		switch {
		case strings.HasPrefix(s, ","):
			s = s[1:]
		case !strings.HasPrefix(s, "}"):
			return nil, "", fmt.Errorf("after label %s, neither , nor }", name)
		}
	}
}

// closingQuote is the index of the first double quote in s that no
// backslash escapes, or -1.
func closingQuote(s string) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

// unescape undoes the format's escapes: \\ and \n, and \" in a label
// value. Any other backslash is an error.
func unescape(s string, labelValue bool) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch {
		case i == len(s):
			return "", fmt.Errorf("a backslash at the end")
		case s[i] == '\\':
			b.WriteByte('\\')
		case s[i] == 'n':
			b.WriteByte('\n')
		case s[i] == '"' && labelValue:
			b.WriteByte('"')
		default:
			return "", fmt.Errorf(`the escape \%c`, s[i])
		}
	}
	return b.String(), nil
}

// seriesKey is labels in a canonical form, to compare sets of labels.
func seriesKey(labels map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		fmt.Fprintf(&b, "{%s=%q}", k, labels[k])
	}
	return b.String()
}

// checkFamily checks what only the whole family shows: a histogram's
// series.
func checkFamily(f *Family) error {
	if f.Type != "histogram" {
		return nil
	}
	type series struct {
		les          []float64
		counts       []float64
		sum, count   float64
		hasSum, hasN bool
	}
	all := map[string]*series{}
	get := func(labels map[string]string) *series {
		key := seriesKey(labels)
		if all[key] == nil {
			all[key] = &series{}
		}
		return all[key]
	}
	for _, s := range f.Samples {
		switch s.Name {
		case f.Name + "_bucket":
			le, ok := s.Labels["le"]
			if !ok {
				return fmt.Errorf("a bucket without le")
			}
			bound, err := strconv.ParseFloat(le, 64)
			if err != nil {
				return fmt.Errorf("le=%q: %w", le, err)
			}
			rest := maps.Clone(s.Labels)
			delete(rest, "le")
			ser := get(rest)
			if n := len(ser.les); n > 0 && (bound <= ser.les[n-1] || s.Value < ser.counts[n-1]) {
				return fmt.Errorf("bucket le=%q is out of order or counts less than the one before", le)
			}
			ser.les = append(ser.les, bound)
			ser.counts = append(ser.counts, s.Value)
		case f.Name + "_sum":
			ser := get(s.Labels)
			ser.sum, ser.hasSum = s.Value, true
		case f.Name + "_count":
			ser := get(s.Labels)
			ser.count, ser.hasN = s.Value, true
		default:
			return fmt.Errorf("sample %s in a histogram", s.Name)
		}
	}
	for key, ser := range all {
		n := len(ser.les)
		switch {
		case n == 0 || !math.IsInf(ser.les[n-1], 1):
			return fmt.Errorf("series %s has no le=\"+Inf\" bucket", key)
		case !ser.hasSum || !ser.hasN:
			return fmt.Errorf("series %s lacks _sum or _count", key)
		case ser.counts[n-1] != ser.count:
			return fmt.Errorf("series %s: the +Inf bucket counts %v, _count %v", key, ser.counts[n-1], ser.count)
		}
	}
	return nil
}

// Value returns the value of the sample named name whose labels are
// exactly labels, and whether there is one.
func (fs Families) Value(name string, labels map[string]string) (float64, bool) {
	want := seriesKey(labels)
	for _, f := range fs {
		for _, s := range f.Samples {
			if s.Name == name && seriesKey(s.Labels) == want {
				return s.Value, true
			}
		}
	}
	return 0, false
}

// Sum adds up the samples named name whose labels include match.
func (fs Families) Sum(name string, match map[string]string) float64 {
	total := 0.0
	for _, f := range fs {
		for _, s := range f.Samples {
			if s.Name == name && includes(s.Labels, match) {
				total += s.Value
			}
		}
	}
	return total
}

func includes(labels, match map[string]string) bool {
	for k, v := range match {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}
