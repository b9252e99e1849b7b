package settings

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// exampleSuffix names the example beside an environment's .env: the
// repository ships env/<provider>/.env.example, to copy and fill in,
// since a real .env holds secrets and is never committed.
const exampleSuffix = ".example"

// explainMissingFile is Load's error when the .env file is missing and
// the process environment alone leaves the settings invalid. It leads
// with the file, since that is what the person forgot, and says what to
// do for the reason found on disk:
//
//   - no folder of environments (the app started from another directory,
//     or ENV_DIR wrong): where it looked and how to point it;
//   - no folder for ENVIRONMENT (a typo): the environments there are;
//   - an example beside the file: the cp command, and the problems the
//     copy has until it is filled in, under the provider the example
//     picks rather than the generic one;
//   - otherwise: that the file is missing.
//
// The problems follow, so that a deployment that means to pass only
// variables sees which are missing. invalid is what the process
// environment alone gave; the error wraps it, or the copy's problems.
func explainMissingFile(where envLocation, environment string, processVars map[string]string, invalid *ValidationError) error {
	dir := filepath.Dir(where.file)
	switch {
	case !isDir(where.envDir) && where.envDirSet:
		return fmt.Errorf("environment %s: ENV_DIR names %s, which is not a folder.\n"+
			"Set ENV_DIR to the folder that holds one folder per environment (the env folder of this app), "+
			"or give every setting in the process environment.\n%w", environment, where.envDir, invalid)
	case !isDir(where.envDir):
		return fmt.Errorf("environment %s: no folder %s, where each environment has its folder.\n"+
			"Run the app from the folder that holds env/ (the repository root), "+
			"or set ENV_DIR to the env folder, or give every setting in the process environment.\n%w",
			environment, where.envDir, invalid)
	case !isDir(dir):
		return fmt.Errorf("environment %s: no folder %s.\n%s\n%w",
			environment, dir, environmentsHint(where.envDir), invalid)
	}
	example := where.file + exampleSuffix
	if _, err := os.Stat(example); err != nil {
		return fmt.Errorf("environment %s: no file %s.\n"+
			"Create it, or give every setting in the process environment.\n%w", environment, where.file, invalid)
	}
	copyHint := fmt.Sprintf("environment %s: no file %s.\n"+
		"An example is beside it: copy it, then fill in the values it marks:\n    cp %s %s\n",
		environment, where.file, shellQuote(example), shellQuote(where.file))
	if copied := exampleProblems(example, processVars); copied != nil {
		return fmt.Errorf("%sUntil they are filled in, the copy gives: %w", copyHint, copied)
	}
	return fmt.Errorf("%sWithout it, the process environment alone gives: %w", copyHint, invalid)
}

// exampleProblems returns the problems the example at path would have if
// copied as it is, with the process environment winning as usual: the
// values still to fill in, under the profile the example's PROVIDER
// picks. It returns nil when the example cannot be read or gives valid
// settings, and the caller falls back to the problems it has.
func exampleProblems(path string, processVars map[string]string) *ValidationError {
	bindings, found, err := readDotenvFile(path, processVars)
	if err != nil || !found {
		return nil
	}
	vars := dotenvValues(bindings)
	maps.Copy(vars, processVars)
	var invalid *ValidationError
	if _, err := Parse(vars); !errors.As(err, &invalid) {
		return nil
	}
	return invalid
}

// environmentsHint lists the environments found in envDir: the folders
// whose names ENVIRONMENT may take.
func environmentsHint(envDir string) string {
	entries, err := os.ReadDir(envDir)
	if err != nil {
		return fmt.Sprintf("%s cannot be listed (%v).", envDir, err)
	}
	var names []string
	for _, entry := range entries {
		if entry.IsDir() && checkEnvironment(entry.Name()) == nil {
			names = append(names, entry.Name())
		}
	}
	if len(names) == 0 {
		return fmt.Sprintf("%s holds no environment yet: create a folder in it with a .env file, "+
			"or give every setting in the process environment.", envDir)
	}
	return fmt.Sprintf("The environments in %s are: %s.\n"+
		"Set ENVIRONMENT to one of them, or give every setting in the process environment.",
		envDir, strings.Join(names, ", "))
}

func isDir(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.IsDir()
}

// shellSafe matches the paths a POSIX shell takes as they are.
var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_./-]+$`)

// shellQuote makes path one word for a POSIX shell, so that the command
// given can be pasted as it is, even when a folder's name has a space.
func shellQuote(path string) string {
	if shellSafe.MatchString(path) {
		return path
	}
	return "'" + strings.ReplaceAll(path, "'", `'\''`) + "'"
}
