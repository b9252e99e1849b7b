// Package e2e tests the login the way a person goes through it: it runs the
// real application binary, opens it in a headless Chromium driven through the
// Chrome DevTools Protocol, and checks what the browser shows and stores.
//
// The app serves itself on http://localhost:PORT and its built-in development
// provider on http://127.0.0.1:PORT/dev/oauth, a different site, so the
// provider's redirect back to the app crosses sites as it does with a real
// provider such as GitHub. Nothing leaves the loopback interface.
//
// The tests need Chromium (on Debian: apt-get install chromium). Without it
// they are skipped, except when CI=true, where a missing browser fails them.
//
// The browser test saves screenshots of the home page and of the error page in
// a temporary directory and logs their paths. To keep the home page screenshot,
// for instance for the README, name a directory in E2E_SCREENSHOT_DIR and the
// test also writes it there as home.png:
//
//	E2E_SCREENSHOT_DIR=$PWD/templates go test -run Browser ./oauth/e2e/
package e2e
