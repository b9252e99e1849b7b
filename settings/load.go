package settings

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
)

// Load reads the settings for the environment named by ENVIRONMENT
// (default "local") and validates them.
//
// environ is the process environment as os.Environ returns it. Load reads
// <ENV_DIR>/<ENVIRONMENT>/.env if it exists, lets every variable present
// in environ, even with an empty value, override the file's, and passes
// the result to [Parse]. ENV_DIR defaults to "env"; a relative one is
// taken from root, the directory the app runs in.
//
// A missing file is not an error as long as the process environment
// supplies every setting the file would have, as a container that passes
// only variables does: Settings.EnvFile and Settings.EnvFileFound tell
// the caller what happened, to log it. When something is missing, the
// error starts with the file and what to do about it: copy the example
// beside it, pick an environment that exists, or point ENV_DIR at the
// right folder.
//
// ENVIRONMENT and ENV_DIR are read from environ only, since they pick the
// file; a file that sets either is an error.
//
// A problem with the values is a [*ValidationError], wrapped with the
// environment and file name (use errors.As); a malformed file gives a
// [*SyntaxError]; any other error is from reading the file.
func Load(root string, environ []string) (Settings, error) {
	processVars := environMap(environ)
	environment := cmp.Or(processVars["ENVIRONMENT"], defaultFor("ENVIRONMENT"))
	if err := checkEnvironment(environment); err != nil {
		return Settings{}, &ValidationError{Problems: []string{"ENVIRONMENT: " + err.Error()}}
	}
	where := locateEnvFile(root, processVars["ENV_DIR"], environment)

	bindings, found, err := readDotenvFile(where.file, processVars)
	if err != nil {
		return Settings{}, err
	}
	if problems := selectorProblems(where.file, bindings, environment); len(problems) > 0 {
		return Settings{}, &ValidationError{Problems: problems}
	}
	vars := dotenvValues(bindings)
	maps.Copy(vars, processVars)

	s, read, err := parse(vars)
	problems := secretExpansionProblems(where.file, bindings, read)
	var parseErr *ValidationError
	if errors.As(err, &parseErr) {
		problems = append(problems, parseErr.Problems...)
	}
	if len(problems) > 0 {
		invalid := &ValidationError{Problems: problems}
		if !found {
			return Settings{}, explainMissingFile(where, environment, processVars, invalid)
		}
		return Settings{}, fmt.Errorf("environment %s, file %s: %w", environment, where.file, invalid)
	}
	s.EnvFile, s.EnvFileFound = where.file, found
	return s, nil
}

// envLocation is where Load looks for the .env file, as absolute paths
// where the working directory can be found, so that a message names a
// place whatever directory the app was started from.
type envLocation struct {
	envDir    string // the folder of environments: ENV_DIR, or env in root
	envDirSet bool   // ENV_DIR named it
	file      string // envDir/ENVIRONMENT/.env
}

func locateEnvFile(root, envDirVar, environment string) envLocation {
	envDir := cmp.Or(envDirVar, defaultFor("ENV_DIR"))
	if !filepath.IsAbs(envDir) {
		envDir = filepath.Join(root, envDir)
	}
	if abs, err := filepath.Abs(envDir); err == nil {
		envDir = abs
	}
	return envLocation{
		envDir:    envDir,
		envDirSet: envDirVar != "",
		file:      filepath.Join(envDir, environment, ".env"),
	}
}

// selectorProblems refuses a file that sets the variables that chose it:
// ENVIRONMENT to another environment, or ENV_DIR at all. Either would
// say that another file was meant.
func selectorProblems(path string, bindings map[string]dotenvBinding, environment string) []string {
	var problems []string
	if b, ok := bindings["ENVIRONMENT"]; ok && b.value != environment {
		problems = append(problems, "ENVIRONMENT: "+path+
			" sets it to another environment; set ENVIRONMENT in the process environment instead")
	}
	if _, ok := bindings["ENV_DIR"]; ok {
		problems = append(problems, "ENV_DIR: "+path+
			" sets it, but it says where that file is; set ENV_DIR in the process environment instead")
	}
	return problems
}

// readDotenvFile parses the .env file at path, expanding ${...} with
// processVars first, as python-dotenv's load_dotenv does, and tracking
// where the secrets go. A missing file gives no bindings and found ==
// false.
func readDotenvFile(path string, processVars map[string]string) (bindings map[string]dotenvBinding, found bool, err error) {
	file, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return make(map[string]dotenvBinding), false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("settings file: %w", err)
	}
	defer file.Close()
	bindings, err = parseDotenv(file, path, func(key string) (string, bool) {
		value, ok := processVars[key]
		return value, ok
	}, isSecretVariable)
	if err != nil {
		return nil, true, err
	}
	return bindings, true, nil
}

// environMap turns "KEY=value" entries into a map. As with os.Getenv, the
// first entry for a key wins. Entries without a key, such as the "=C:=C:\"
// drive entries of Windows, are skipped.
func environMap(environ []string) map[string]string {
	vars := make(map[string]string, len(environ))
	for _, entry := range environ {
		key, value, found := strings.Cut(entry, "=")
		if _, seen := vars[key]; found && key != "" && !seen {
			vars[key] = value
		}
	}
	return vars
}
