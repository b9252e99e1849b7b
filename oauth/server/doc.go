// Package server holds what running the login as a service needs beyond
// net/http: a readiness check for load balancers ([Readiness], served at
// /readyz), and a TLS certificate that renews on disk without a restart
// ([Certificate]). main.go wires both; neither knows anything of OAuth or
// sessions, so either copies alone.
package server
