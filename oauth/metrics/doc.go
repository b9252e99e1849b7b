// Package metrics counts what the login and its server do, and writes the
// counts in Prometheus's text exposition format (version 0.0.4), with the
// standard library only.
//
// It is a layer beside package oauth: nothing in the login calls it. It
// learns what happened from what the login and the server already give:
//
//   - [Metrics.LogHandler] wraps the log's handler and counts every record
//     that carries an event attribute, by event and reason: logins
//     started, succeeded, refused and failed, logouts, limits reached,
//     session store errors. The log is where the login says why something
//     happened, so the counts cannot disagree with it, and a new refusal
//     reason needs no second line of code to be counted. Records are
//     counted even when the log level drops them.
//   - [Metrics.CountRequest] counts the answered requests by status class.
//   - [Metrics.ProviderTransport] times each call to the provider, by the
//     endpoint it went to.
//   - [Metrics.ObserveStore] times each operation of the session store
//     and counts its errors; it fits session.Options.Observe.
//   - A few numbers of the Go runtime are read from runtime/metrics at
//     each scrape.
//
// Label values are bounded: each label of a metric has a fixed list of
// values, and any other value is counted as [Other]. No visitor can make
// a new series, and no label holds a user, a path or a URL from a request.
//
// [Registry] is the general part, usable on its own: counters, histograms
// and values read at scrape time, and [Registry.WriteText], which writes
// them. Package oauth/metrics/metricstest reads the format back, strictly,
// for tests.
//
// Serve [Metrics.Handler] on an address only the monitoring can reach:
// the counts tell an outsider how busy the site is and how its logins
// fail.
package metrics
