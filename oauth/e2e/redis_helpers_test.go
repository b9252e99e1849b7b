package e2e

// Helpers for redis_test.go: a redis-server that a test starts on a free
// loopback port with a password and a directory of its own, and can stop
// and start again on the same port.

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// redisPassword is the password every test server requires. It is also
// the canary that must never appear in the app's output.
const redisPassword = "e2e-redis-password-canary"

// redisServer is one redis-server process and the port it keeps across
// restarts.
type redisServer struct {
	t      *testing.T
	port   string
	dir    string
	append bool // persist every write (appendonly, fsync always), so a restart keeps the sessions
	cmd    *exec.Cmd
	done   chan struct{}
	out    bytes.Buffer
}

// startRedisServer starts redis-server, or skips the test when it is not
// installed (fails it under CI=true, which must have it). persist keeps
// the data across a stop and start.
func startRedisServer(t *testing.T, persist bool) *redisServer {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		msg := "redis-server not found; install it with: apt-get install -y --no-install-recommends redis-server"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	r := &redisServer{t: t, port: freePort(t), dir: t.TempDir(), append: persist}
	r.start()
	t.Cleanup(func() {
		if r.cmd != nil {
			r.cmd.Process.Kill()
			<-r.done
		}
	})
	return r
}

// URL is the server's URL for REDIS_URL.
func (r *redisServer) URL() string {
	return (&url.URL{Scheme: "redis", User: url.UserPassword("default", redisPassword), Host: "127.0.0.1:" + r.port}).String()
}

// start runs the server and waits until it answers PING.
func (r *redisServer) start() {
	r.t.Helper()
	args := []string{"--port", r.port, "--bind", "127.0.0.1", "--requirepass", redisPassword,
		"--dir", r.dir, "--save", "", "--logfile", ""}
	if r.append {
		args = append(args, "--appendonly", "yes", "--appendfsync", "always")
	} else {
		args = append(args, "--appendonly", "no")
	}
	r.out.Reset()
	r.cmd = exec.Command("redis-server", args...)
	r.cmd.Stdout, r.cmd.Stderr = &r.out, &r.out
	if err := r.cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	r.done = make(chan struct{})
	go func() { r.cmd.Wait(); close(r.done) }()
	ok := pollUntil(10*time.Second, func() bool {
		select {
		case <-r.done:
			return true
		default:
		}
		return r.ping() == nil
	})
	select {
	case <-r.done:
		r.t.Fatalf("redis-server exited:\n%s", r.out.String())
	default:
	}
	if !ok {
		r.cmd.Process.Kill()
		<-r.done // before reading its output, which the process writes until then
		r.t.Fatalf("redis-server did not answer within 10s:\n%s", r.out.String())
	}
}

// stop ends the server with SIGTERM, as an operator's restart does (with
// appendonly, everything written is on disk already), and waits for it.
func (r *redisServer) stop() {
	r.cmd.Process.Signal(os.Interrupt)
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		r.cmd.Process.Kill()
		<-r.done
	}
	r.cmd = nil
}

// ping logs in and sends PING over a connection of its own, speaking just
// enough RESP for it.
func (r *redisServer) ping() error {
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+r.port, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	fmt.Fprintf(c, "*2\r\n$4\r\nAUTH\r\n$%d\r\n%s\r\n*1\r\n$4\r\nPING\r\n", len(redisPassword), redisPassword)
	in := bufio.NewReader(c)
	for _, want := range []string{"+OK", "+PONG"} {
		line, err := in.ReadString('\n')
		if err != nil {
			return err
		}
		if strings.TrimSpace(line) != want {
			return fmt.Errorf("redis answered %q, want %s", line, want)
		}
	}
	return nil
}

// redisEnv is the environment that puts an instance's sessions in r.
func redisEnv(r *redisServer) map[string]string {
	return map[string]string{"SESSION_STORE": "redis", "REDIS_URL": r.URL(), "LOGIN_RATE_LIMIT": "0"}
}

// threePorts returns three different free ports.
func threePorts(t *testing.T) [3]string {
	t.Helper()
	var ports [3]string
	seen := map[string]bool{}
	for i := range ports {
		for ports[i] == "" || seen[ports[i]] {
			ports[i] = freePort(t)
		}
		seen[ports[i]] = true
	}
	return ports
}

// startRedisInstances starts three instances of the app on r, as behind a
// load balancer: one external provider, whose redirect goes to the first
// instance's callback.
func startRedisInstances(t *testing.T, r *redisServer) (instances [3]*proc, provider string) {
	t.Helper()
	ports := threePorts(t)
	redirectURL := "http://localhost:" + ports[0] + "/oauth/callback"
	provider = startProvider(t, redirectURL, nil)
	for i, port := range ports {
		instances[i] = startProc(t, procOptions{Port: port, Provider: provider, RedirectURL: redirectURL, Env: redisEnv(r)})
	}
	return instances, provider
}
