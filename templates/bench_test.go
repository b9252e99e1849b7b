package templates

import (
	"net/http"
	"testing"
)

// discardWriter is the cheapest http.ResponseWriter, so that the benchmark
// counts the rendering only.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

// BenchmarkRenderHome is the home page, which every page view of a
// logged-in user renders:
//
//	go test -run '^$' -bench . -benchmem ./templates/
func BenchmarkRenderHome(b *testing.B) {
	pages, err := Parse()
	if err != nil {
		b.Fatal(err)
	}
	w := &discardWriter{h: make(http.Header)}
	data := Home{Username: "ada", Name: "Ada Lovelace", Email: "ada@example.test"}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		if err := pages.RenderHome(w, data); err != nil {
			b.Fatal(err)
		}
	}
}
