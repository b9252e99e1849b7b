package e2e

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// copyModule is the module path of every copy.
const copyModule = "example.com/copy"

// A copyRecipe is a set of the project's folders that someone may copy into
// a module of their own (README, "Copying the packages"). A folder is
// copied with its Go files, its README and other Markdown files (its tests
// may check them), and its testdata, not its sub-folders: those are
// folders of their own, which a recipe names or leaves out.
type copyRecipe struct {
	name    string
	folders []string // relative to the module root, with slashes
}

// TestIssue14_CopyRecipes checks that each recipe's folders import no
// project package the recipe leaves out. With RECIPE_TESTS=1, as .ci/run
// sets, it also copies them into a new module in a temporary directory,
// changes the import paths to the new module's, and runs go vet and go
// test there, offline: a minute of compiling under a new module path,
// which the everyday go test ./... leaves to CI. Each copy logs how many
// files and lines it holds.
//
// oauth/oauthtest travels with oauth/: the tests of oauth use it as their
// provider, and it needs nothing but the standard library.
func TestIssue14_CopyRecipes(t *testing.T) {
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	runTests := os.Getenv("RECIPE_TESTS") == "1"
	goLine := goDirective(t, root)
	core := []string{"oauth", "oauth/oauthtest", "session"}
	recipes := []copyRecipe{
		{"session alone", []string{"session"}},
		// The core and the smallest program around it: "Log in with
		// GitHub", which oauth/minimal's test logs in against oauthtest.
		{"GitHub-only: oauth, session and oauth/minimal", append(slices.Clone(core), "oauth/minimal")},
		{"with limits", append(slices.Clone(core), "oauth/limit")},
		// Who may log in: the rules of ALLOWED_USERS and the rest.
		{"with access rules", append(slices.Clone(core), "oauth/access")},
		{"with OpenID Connect", append(slices.Clone(core), "oauth/oidc", "oauth/openid")},
		{"sessions in Redis", []string{"session", "session/redisstore"}},
		{"back-channel logout", append(slices.Clone(core), "oauth/oidc", "oauth/openid", "oauth/backchannel")},
		{"metrics", append(slices.Clone(core), "oauth/metrics", "oauth/metrics/metricstest")},
		{"kept tokens", append(slices.Clone(core), "oauth/tokens")},
		{"readiness and renewing certificates", []string{"oauth/server"}},
		// settings builds its provider profiles from the presets in
		// package oauth; the recipe follows what it imports.
		{"settings", settingsRecipe(t, root, core)},
	}
	for _, recipe := range recipes {
		t.Run(recipe.name, func(t *testing.T) {
			t.Parallel()
			if missing := importsOutside(t, root, recipe.folders); len(missing) > 0 {
				t.Fatalf("%v import project packages the recipe does not copy:\n%s", recipe.folders, strings.Join(missing, "\n"))
			}
			if !runTests {
				return
			}
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module "+copyModule+"\n\n"+goLine+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			module := modulePath(t, root)
			var files, lines int
			for _, folder := range recipe.folders {
				f, l := copyFolder(t, filepath.Join(root, filepath.FromSlash(folder)), filepath.Join(dir, filepath.FromSlash(folder)), module)
				files, lines = files+f, lines+l
			}
			t.Logf("copies %d Go files, %d lines (tests included) from %v", files, lines, recipe.folders)
			goIn(t, dir, "vet", "./...")
			goIn(t, dir, "test", "-count=1", "./...")
		})
	}
}

// TestIssue19_CoreImportsOnlySession: package oauth, the flow a learner
// reads, needs nothing of the project but package session, and session
// nothing at all: every layer plugs in from outside.
func TestIssue19_CoreImportsOnlySession(t *testing.T) {
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	module := modulePath(t, root)
	for pkg, allowed := range map[string][]string{"oauth": {"oauth", "session"}, "session": {"session"}} {
		out := goIn(t, root, "list", "-deps", "-f", "{{.ImportPath}}", "./"+pkg)
		for _, dep := range strings.Fields(string(out)) {
			if rel, ok := strings.CutPrefix(dep, module+"/"); ok && !slices.Contains(allowed, rel) {
				t.Errorf("package %s depends on %s", pkg, rel)
			}
		}
	}
}

// settingsRecipe is settings/ and, when it imports package oauth, the
// oauth recipe with it, and the layers it imports (oauth/access, whose
// parser checks the ALLOWED_ lists at start-up).
func settingsRecipe(t *testing.T, root string, oauthAlone []string) []string {
	t.Helper()
	deps := projectDeps(t, root, []string{"settings"})
	recipe := []string{"settings"}
	if slices.Contains(deps, "oauth") {
		recipe = append(recipe, oauthAlone...)
	}
	for _, dep := range deps {
		if !slices.Contains(recipe, dep) {
			recipe = append(recipe, dep)
		}
	}
	return recipe
}

// importsOutside lists the project packages that the packages in folders,
// their tests included, import from other folders, each with the folder
// that imports it.
func importsOutside(t *testing.T, root string, folders []string) []string {
	t.Helper()
	var missing []string
	for _, folder := range folders {
		for _, dep := range projectDeps(t, root, []string{folder}) {
			if !slices.Contains(folders, dep) {
				missing = append(missing, fmt.Sprintf("  %s needs %s/", folder, dep))
			}
		}
	}
	return missing
}

// projectDeps returns the folders of the project packages that the packages
// in folders depend on, their tests' dependencies included.
func projectDeps(t *testing.T, root string, folders []string) []string {
	t.Helper()
	args := []string{"list", "-deps", "-test", "-f", "{{.ImportPath}}"}
	for _, folder := range folders {
		args = append(args, "./"+folder)
	}
	out := goIn(t, root, args...)
	module := modulePath(t, root)
	var deps []string
	for _, line := range strings.Fields(string(out)) {
		path, ok := strings.CutPrefix(line, module+"/")
		if !ok {
			continue // the standard library, or a test variant's suffix
		}
		// A test build lists oauthlogin/oauth.test and oauthlogin/oauth_test
		// besides the package itself.
		path = strings.TrimSuffix(strings.TrimSuffix(path, ".test"), "_test")
		if !slices.Contains(deps, path) {
			deps = append(deps, path)
		}
	}
	slices.Sort(deps)
	return deps
}

// copyFolder copies the Go and Markdown files of src, and its testdata, to
// dst, with the import paths of module changed to the copy's. It returns
// how many Go files and lines it copied.
func copyFolder(t *testing.T, src, dst, module string) (goFiles, goLines int) {
	t.Helper()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		switch {
		case e.IsDir() && e.Name() == "testdata":
			copyTree(t, filepath.Join(src, e.Name()), filepath.Join(dst, e.Name()))
		case !e.IsDir() && (strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), ".md")):
			b, err := os.ReadFile(filepath.Join(src, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasSuffix(e.Name(), ".go") {
				goFiles, goLines = goFiles+1, goLines+bytes.Count(b, []byte("\n"))
			}
			b = bytes.ReplaceAll(b, []byte(`"`+module+`/`), []byte(`"`+copyModule+`/`))
			if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return goFiles, goLines
}

// copyTree copies a directory tree as it is.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// goIn runs the go command in dir, offline, and returns its output; a
// failure fails the test with all it printed.
func goIn(t *testing.T, dir string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s in %s: %v\n%s%s", strings.Join(args, " "), dir, err, out, stderr.Bytes())
	}
	return out
}

var (
	moduleLine = regexp.MustCompile(`(?m)^module\s+(\S+)\s*$`)
	goLineRE   = regexp.MustCompile(`(?m)^go\s+\S+\s*$`)
)

// modulePath is the module path in root's go.mod.
func modulePath(t *testing.T, root string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := moduleLine.FindSubmatch(b)
	if m == nil {
		t.Fatalf("%s/go.mod has no module line", root)
	}
	return string(m[1])
}

// goDirective is the go line of root's go.mod, for the copies to have the
// same.
func goDirective(t *testing.T, root string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	line := goLineRE.Find(b)
	if line == nil {
		t.Fatalf("%s/go.mod has no go line", root)
	}
	return strings.TrimSpace(string(line))
}
