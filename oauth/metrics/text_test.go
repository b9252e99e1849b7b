package metrics

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"os/exec"
	"strings"
	"testing"

	"oauthlogin/oauth/metrics/metricstest"
)

// scrape writes r and reads it back with the strict reader, failing the
// test on anything the format does not allow. Where promtool is installed
// it checks the page too.
func scrape(t *testing.T, r *Registry) (metricstest.Families, string) {
	t.Helper()
	var page bytes.Buffer
	if err := r.WriteText(&page); err != nil {
		t.Fatal(err)
	}
	families, err := metricstest.Parse(bytes.NewReader(page.Bytes()))
	if err != nil {
		t.Fatalf("the page does not parse: %v\n%s", err, page.String())
	}
	return families, page.String()
}

// promtoolCheck runs "promtool check metrics", Prometheus's own reader
// and linter, on page. Where promtool is missing only the strict reader
// checks the page, except in CI, which installs it and fails without it.
func promtoolCheck(t *testing.T, page string) {
	t.Helper()
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("promtool is missing; .ci/run installs it (apt-get install prometheus)")
		}
		t.Log("promtool is missing; to run its check too: apt-get install --no-install-recommends prometheus")
		return
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(page)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s\nthe page:\n%s", err, out, page)
	}
}

func TestWriteTextIsTheFormat(t *testing.T) {
	r := NewRegistry()
	c := r.NewCounter("app_things_total", "Things done.", Label{Name: "kind", Values: []string{"a", "b"}})
	c.Inc("a")
	c.Inc("a")
	r.NewCounter("app_nothing_total", "A counter without labels is written at zero.")
	r.NewGaugeFunc("app_level", "A gauge read at scrape time.", func() float64 { return 2.5 })
	h := r.NewHistogram("app_wait_seconds", "Waits.", []float64{0.1, 1}, Label{Name: "step", Values: []string{"x"}})
	for _, v := range []float64{0.05, 0.1, 0.5, 7} {
		h.Observe(v, "x")
	}
	_, page := scrape(t, r)
	want := `# HELP app_level A gauge read at scrape time.
# TYPE app_level gauge
app_level 2.5
# HELP app_nothing_total A counter without labels is written at zero.
# TYPE app_nothing_total counter
app_nothing_total 0
# HELP app_things_total Things done.
# TYPE app_things_total counter
app_things_total{kind="a"} 2
# HELP app_wait_seconds Waits.
# TYPE app_wait_seconds histogram
app_wait_seconds_bucket{step="x",le="0.1"} 2
app_wait_seconds_bucket{step="x",le="1"} 3
app_wait_seconds_bucket{step="x",le="+Inf"} 4
app_wait_seconds_sum{step="x"} 7.65
app_wait_seconds_count{step="x"} 4
`
	if page != want {
		t.Errorf("the page:\n%s\nwant:\n%s", page, want)
	}
	promtoolCheck(t, page)
}

func TestWriteTextEscapes(t *testing.T) {
	r := NewRegistry()
	odd := "back\\slash \"quoted\"\nnew line"
	c := r.NewCounter("app_odd_total", "Help with a \\ and a\nline feed.", Label{Name: "v", Values: []string{odd}})
	c.Inc(odd)
	families, page := scrape(t, r)
	if !strings.Contains(page, `# HELP app_odd_total Help with a \\ and a\nline feed.`+"\n") {
		t.Errorf("HELP is not escaped:\n%s", page)
	}
	if !strings.Contains(page, `app_odd_total{v="back\\slash \"quoted\"\nnew line"} 1`+"\n") {
		t.Errorf("the label value is not escaped:\n%s", page)
	}
	if got := families["app_odd_total"].Help; got != "Help with a \\ and a\nline feed." {
		t.Errorf("HELP reads back as %q", got)
	}
	if v, ok := families.Value("app_odd_total", map[string]string{"v": odd}); !ok || v != 1 {
		t.Errorf("the odd label value does not read back: %v %v", v, ok)
	}
	promtoolCheck(t, page)
}

func TestFloatsAsTheFormatSpellsThem(t *testing.T) {
	for v, want := range map[float64]string{
		math.Inf(1): "+Inf", math.Inf(-1): "-Inf", math.NaN(): "NaN", 0.25: "0.25", 1e21: "1e+21", -3: "-3",
	} {
		if got := formatFloat(v); got != want {
			t.Errorf("formatFloat(%v) = %q, want %q", v, got, want)
		}
	}
}

// TestLabelValuesAreBounded feeds a counter and a histogram values they
// do not declare, as a request could: each lands in the one "other"
// series, so the page stays as long as it was.
func TestLabelValuesAreBounded(t *testing.T) {
	r := NewRegistry()
	c := r.NewCounter("app_requests_total", "Requests.", Label{Name: "code", Values: []string{"2xx"}})
	h := r.NewHistogram("app_seconds", "Seconds.", []float64{1}, Label{Name: "op", Values: []string{"load"}})
	for i := range 1000 {
		c.Inc(fmt.Sprintf("/path/%d", i))
		h.Observe(0.5, fmt.Sprintf("user-%d", i))
	}
	c.Inc("2xx")
	families, _ := scrape(t, r)
	if n := len(families["app_requests_total"].Samples); n != 2 {
		t.Errorf("%d series of the counter, want 2 (2xx and other)", n)
	}
	if v, _ := families.Value("app_requests_total", map[string]string{"code": Other}); v != 1000 {
		t.Errorf("other counted %v, want 1000", v)
	}
	if v, _ := families.Value("app_seconds_count", map[string]string{"op": Other}); v != 1000 {
		t.Errorf("the histogram's other series counted %v, want 1000", v)
	}
	if n := len(families["app_seconds"].Samples); n != 4 {
		t.Errorf("%d samples of the histogram, want one series: 2 buckets, _sum, _count", n)
	}
}

func TestRegistryRefusesMistakes(t *testing.T) {
	for name, register := range map[string]func(r *Registry){
		"a bad metric name":       func(r *Registry) { r.NewCounter("app-total", "x") },
		"a name twice":            func(r *Registry) { r.NewCounter("a_total", "x"); r.NewGaugeFunc("a_total", "x", nil) },
		"a bad label name":        func(r *Registry) { r.NewCounter("a_total", "x", Label{Name: "a-b"}) },
		"a reserved label name":   func(r *Registry) { r.NewCounter("a_total", "x", Label{Name: "__name"}) },
		"a label twice":           func(r *Registry) { r.NewCounter("a_total", "x", Label{Name: "a"}, Label{Name: "a"}) },
		"le on a histogram":       func(r *Registry) { r.NewHistogram("a", "x", []float64{1}, Label{Name: "le"}) },
		"no buckets":              func(r *Registry) { r.NewHistogram("a", "x", nil) },
		"buckets out of order":    func(r *Registry) { r.NewHistogram("a", "x", []float64{2, 1}) },
		"a bucket twice":          func(r *Registry) { r.NewHistogram("a", "x", []float64{1, 1}) },
		"an infinite bucket":      func(r *Registry) { r.NewHistogram("a", "x", []float64{1, math.Inf(1)}) },
		"too few values for Inc":  func(r *Registry) { r.NewCounter("a_total", "x", Label{Name: "a"}).Inc() },
		"too many values for Inc": func(r *Registry) { r.NewCounter("a_total", "x").Inc("a") },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			register(NewRegistry())
		})
	}
}
