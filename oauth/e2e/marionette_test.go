package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// This file is a small client of Marionette, Firefox's own remote protocol,
// which carries the WebDriver commands of webdriver_test.go over one TCP
// connection. Each message is its length in bytes, a colon, then JSON:
// the browser first sends a handshake object, then answers each command
// [0, id, name, params] with [1, id, error, result].

// marionette is a connection to Firefox's Marionette server.
type marionette struct {
	conn   net.Conn
	in     *bufio.Reader
	lastID int
}

// dialMarionette connects to the Marionette server at address and reads
// its handshake.
func dialMarionette(address string) (*marionette, error) {
	conn, err := net.DialTimeout("tcp", address, pageTimeout)
	if err != nil {
		return nil, err
	}
	m := &marionette{conn: conn, in: bufio.NewReader(conn)}
	if err := conn.SetDeadline(time.Now().Add(pageTimeout)); err != nil {
		conn.Close()
		return nil, err
	}
	var handshake struct{ MarionetteProtocol int }
	if err := m.read(&handshake); err != nil {
		conn.Close()
		return nil, fmt.Errorf("the Marionette handshake: %w", err)
	}
	if handshake.MarionetteProtocol != 3 {
		conn.Close()
		return nil, fmt.Errorf("Marionette protocol %d; this client speaks version 3", handshake.MarionetteProtocol)
	}
	return m, nil
}

func (m *marionette) do(name string, params map[string]any, result any) error {
	m.lastID++
	if params == nil {
		params = map[string]any{}
	}
	message, err := json.Marshal([]any{0, m.lastID, name, params})
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if err := m.conn.SetDeadline(time.Now().Add(pageTimeout)); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if _, err := fmt.Fprintf(m.conn, "%d:%s", len(message), message); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	var answer []json.RawMessage
	if err := m.read(&answer); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	var id int
	if len(answer) != 4 || json.Unmarshal(answer[1], &id) != nil || id != m.lastID {
		return fmt.Errorf("%s: an answer that is not to this command: %.200s", name, answer)
	}
	var refusal *struct{ Error, Message string }
	if err := json.Unmarshal(answer[2], &refusal); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if refusal != nil {
		return fmt.Errorf("%s: %s: %s", name, refusal.Error, refusal.Message)
	}
	if result == nil {
		return nil
	}
	// Marionette wraps a value that is not an object, such as a string or
	// a list, in an object with the one key "value".
	value := answer[3]
	var wrapped map[string]json.RawMessage
	if json.Unmarshal(value, &wrapped) == nil && len(wrapped) == 1 && wrapped["value"] != nil {
		value = wrapped["value"]
	}
	if err := json.Unmarshal(value, result); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// read reads one message and decodes it into v.
func (m *marionette) read(v any) error {
	length, err := m.in.ReadString(':')
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(strings.TrimSuffix(length, ":"))
	if err != nil || n < 0 {
		return fmt.Errorf("a message that does not start with its length: %q", length)
	}
	message := make([]byte, n)
	if _, err := io.ReadFull(m.in, message); err != nil {
		return err
	}
	return json.Unmarshal(message, v)
}

// startFirefox starts a headless Firefox with a fresh profile and
// Marionette on a free loopback port, and opens a session.
func startFirefox(t *testing.T) browser {
	t.Helper()
	firefoxPath := findProgram(t, "firefox-esr", "firefox-esr")
	dir := t.TempDir()
	profile := filepath.Join(dir, "profile")
	port := freePort(t)
	// Marionette applies its own preferences for automation when a session
	// starts; these keep Firefox quiet before that.
	prefs := fmt.Sprintf(`user_pref("marionette.port", %s);
user_pref("browser.shell.checkDefaultBrowser", false);
user_pref("datareporting.policy.dataSubmissionEnabled", false);
user_pref("app.update.disabledForTesting", true);
`, port)
	if err := os.MkdirAll(profile, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(profile, "user.js"), []byte(prefs), 0o600); err != nil {
		t.Fatal(err)
	}

	firefox := exec.Command(firefoxPath, "--headless", "--marionette", "--no-remote", "--profile", profile)
	firefoxProcess := startProcess(t, "firefox", firefox, dir)
	var conn *marionette
	waitUntil(t, "Firefox: waiting for Marionette on port "+port, func() (bool, string) {
		if firefoxProcess.hasExited() {
			t.Fatalf("Firefox exited; its last log lines:\n%s", firefoxProcess.lastLogs(20))
		}
		var err error
		conn, err = dialMarionette("127.0.0.1:" + port)
		if err != nil {
			return false, err.Error()
		}
		return true, ""
	})
	t.Cleanup(func() {
		// Closing the session leaves Firefox running; quitting ends it.
		if err := conn.do("Marionette:Quit", map[string]any{"flags": []string{"eForceQuit"}}, nil); err != nil {
			t.Errorf("quitting Firefox: %v; its last log lines:\n%s", err, firefoxProcess.lastLogs(20))
		}
		conn.conn.Close()
	})
	return newWebDriverSession(t, conn, map[string]any{"capabilities": map[string]any{}})
}
