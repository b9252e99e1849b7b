// Package e2e tests the whole application the way people and tools meet
// it: it builds the real binary and drives it over loopback with a cookie
// jar, in Chromium, Firefox and WebKit, as an attacker, through faults and
// restarts, under load, against a real redis-server, and through the
// README's own claims. README.md in this folder says what each file covers.
//
// The app serves itself on http://localhost:PORT and its built-in development
// provider on http://127.0.0.1:PORT/dev/oauth, a different site, so the
// provider's redirect back to the app crosses sites as it does with a real
// provider such as GitHub. Nothing leaves the loopback interface.
//
// A browser, Xvfb or redis-server that is missing is skipped with the
// apt-get line that installs it, except when CI=true, where it fails the
// test. The browser test saves screenshots of each engine in a temporary
// directory, and also in E2E_SCREENSHOT_DIR when it is set:
//
//	E2E_SCREENSHOT_DIR=$PWD/templates/screenshots go test -run Browser ./oauth/e2e/
package e2e
