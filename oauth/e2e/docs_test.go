package e2e

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The documentation is part of what people learn from, so these tests keep
// it true to the code: every test it names exists, every file it links to
// is in the repository, every function its reading order names is where it
// says, and the top README stays short enough to read in one sitting.

// docs returns the Markdown files of the repository, by path relative to
// its root, and the root.
func docs(t *testing.T) (map[string]string, string) {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && path != root {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".md") {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			files[rel] = string(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files["README.md"] == "" {
		t.Fatalf("no README.md at the module root %s", root)
	}
	return files, root
}

// goSource returns every Go file under root, joined.
func goSource(t *testing.T, root string, tests bool) string {
	t.Helper()
	var source strings.Builder
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") != tests {
			return err
		}
		b, err := os.ReadFile(path)
		source.Write(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return source.String()
}

func TestDocsNameRealTests(t *testing.T) {
	files, root := docs(t)
	source := goSource(t, root, true)
	named := regexp.MustCompile(`\b(?:Test|Fuzz|Benchmark|Example)[A-Z0-9][A-Za-z0-9_]*`)
	count := 0
	for path, text := range files {
		for _, name := range named.FindAllString(text, -1) {
			if strings.HasSuffix(name, "_") {
				continue // a prefix, such as TestChecklist39_*
			}
			count++
			if !strings.Contains(source, "func "+name+"(") {
				t.Errorf("%s names %s, which no test file defines", path, name)
			}
		}
	}
	if count < 50 {
		t.Errorf("the documentation names only %d tests; the checklist alone names more", count)
	}
}

func TestDocsLinkOnlyIntoTheRepository(t *testing.T) {
	files, root := docs(t)
	link := regexp.MustCompile(`\]\(([^)#\s]+)`)
	for path, text := range files {
		if strings.Contains(text, "SECURITY-CHECKLIST") { // the checklist outside, by its file name
			t.Errorf("%s points at a file outside the repository", path)
		}
		for _, m := range link.FindAllStringSubmatch(text, -1) {
			target := m[1]
			if strings.Contains(target, "://") {
				continue
			}
			full := filepath.Join(root, filepath.Dir(path), target)
			if rel, err := filepath.Rel(root, full); err != nil || strings.HasPrefix(rel, "..") {
				t.Errorf("%s links to %s, outside the repository", path, target)
				continue
			}
			if _, err := os.Stat(full); err != nil {
				t.Errorf("%s links to %s, which does not exist", path, target)
			}
		}
	}
}

// Each line of the README that names a Go file and then functions in
// backquotes, as the step table and the reading order do, must name
// functions that file defines: a newcomer following them never opens a
// file the README did not name.
func TestReadmeNamesFunctionsWhereTheyAre(t *testing.T) {
	files, root := docs(t)
	quoted := regexp.MustCompile("`([^`]+)`")
	identifier := regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	checked := 0
	for _, line := range strings.Split(files["README.md"], "\n") {
		file := ""
		for _, m := range quoted.FindAllStringSubmatch(line, -1) {
			word := m[1]
			switch {
			case strings.HasSuffix(word, ".go"):
				file = word
				if _, err := os.Stat(filepath.Join(root, file)); err != nil {
					t.Errorf("the README names %s, which does not exist", file)
					file = ""
				}
			case file != "" && identifier.MatchString(word):
				src, err := os.ReadFile(filepath.Join(root, file))
				if err != nil {
					t.Fatal(err)
				}
				defines := regexp.MustCompile(`(?m)^(func|type) (\([^)]*\) )?` + word + `\b`)
				if !defines.Match(src) {
					t.Errorf("the README says %s is in %s, which does not define it", word, file)
				}
				checked++
			default:
				file = ""
			}
		}
	}
	if checked < 20 {
		t.Errorf("checked only %d functions; the README's step table and reading order name more", checked)
	}
}

func TestReadmeIsShort(t *testing.T) {
	files, _ := docs(t)
	if words := len(strings.Fields(files["README.md"])); words > 3500 {
		t.Errorf("README.md has %d words; a learner's way in should stay under 3,500, with reference material beside the code", words)
	}
}
