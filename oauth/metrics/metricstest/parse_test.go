package metricstest

import (
	"math"
	"strings"
	"testing"
)

const good = `# HELP a_total Things, with a \\ and a\nline feed.
# TYPE a_total counter
a_total{kind="x \"y\"\\z\n"} 3
a_total{kind="w",} 1 1700000000000
# a comment
# HELP h Waits.
# TYPE h histogram
h_bucket{le="0.5"} 1
h_bucket{le="+Inf"} 2
h_sum 1.5
h_count 2

# HELP g A gauge.
# TYPE g gauge
g  -Inf
`

func TestParseReadsAValidPage(t *testing.T) {
	families, err := Parse(strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	if got := families["a_total"].Help; got != "Things, with a \\ and a\nline feed." {
		t.Errorf("HELP %q", got)
	}
	if v, ok := families.Value("a_total", map[string]string{"kind": "x \"y\"\\z\n"}); !ok || v != 3 {
		t.Errorf("a_total{kind=...} = %v, %v", v, ok)
	}
	if v := families.Sum("a_total", nil); v != 4 {
		t.Errorf("the sum of a_total is %v", v)
	}
	if v, _ := families.Value("h_count", nil); v != 2 {
		t.Errorf("h_count = %v", v)
	}
	if v, _ := families.Value("g", nil); !math.IsInf(v, -1) {
		t.Errorf("g = %v", v)
	}
}

// TestParseRefuses is what makes the reader worth using: each page
// breaks one rule of the format, and is refused.
func TestParseRefuses(t *testing.T) {
	const head = "# HELP a A.\n# TYPE a gauge\n"
	for name, page := range map[string]string{
		"no final line feed":        head + "a 1",
		"a carriage return":         head + "a 1\r\n",
		"no TYPE":                   "# HELP a A.\na 1\n",
		"no HELP":                   "# TYPE a gauge\na 1\n",
		"TYPE after samples":        "# HELP a A.\na 1\n# TYPE a gauge\n",
		"a second TYPE":             head + "# TYPE a gauge\na 1\n",
		"a second HELP":             head + "# HELP a B.\na 1\n",
		"an unknown type":           "# HELP a A.\n# TYPE a meter\na 1\n",
		"a bad metric name":         "# HELP a-b A.\n# TYPE a-b gauge\na-b 1\n",
		"a bad label name":          head + "a{1x=\"v\"} 1\n",
		"a reserved label name":     head + "a{__x=\"v\"} 1\n",
		"a label twice":             head + "a{x=\"1\",x=\"2\"} 1\n",
		"an unquoted label value":   head + "a{x=1} 1\n",
		"an unended label value":    head + "a{x=\"1} 1\n",
		"an unknown escape":         head + "a{x=\"\\t\"} 1\n",
		"an unknown escape in HELP": "# HELP a \\\"A.\n# TYPE a gauge\na 1\n",
		"no value":                  head + "a{x=\"1\"}\n",
		"a bad value":               head + "a one\n",
		"a bad timestamp":           head + "a 1 soon\n",
		"too many fields":           head + "a 1 2 3\n",
		"a sample twice":            head + "a 1\na 2\n",
		"families interleaved":      head + "a 1\n# HELP b B.\n# TYPE b gauge\nb 1\na{x=\"y\"} 1\n",
		"a negative counter":        "# HELP c_total C.\n# TYPE c_total counter\nc_total -1\n",
		"a NaN counter":             "# HELP c_total C.\n# TYPE c_total counter\nc_total NaN\n",
		"a histogram without +Inf":  "# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",
		"a histogram without _sum":  "# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n",
		"+Inf unequal to _count":    "# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 2\n",
		"buckets going down":        "# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
		"buckets out of order":      "# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
		"a bucket without le":       "# HELP h H.\n# TYPE h histogram\nh_bucket 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
	} {
		if _, err := Parse(strings.NewReader(page)); err == nil {
			t.Errorf("%s: accepted:\n%s", name, page)
		}
	}
}
