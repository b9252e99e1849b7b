package settings

import (
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
// <root>/env/<ENVIRONMENT>/.env if it exists, lets every variable present
// in environ, even with an empty value, override the file's, and passes
// the result to [Parse]. A missing file is not an error: Settings.EnvFile
// and Settings.EnvFileFound tell the caller what happened, to log it.
//
// ENVIRONMENT is read from environ only, since it picks the file; a file
// that sets it to another environment is an error.
//
// A problem with the values is a [*ValidationError], wrapped with the
// environment and file name (use errors.As); a malformed file gives a
// [*SyntaxError]; any other error is from reading the file.
func Load(root string, environ []string) (Settings, error) {
	processVars := environMap(environ)
	environment := processVars["ENVIRONMENT"]
	if environment == "" {
		environment = defaultFor("ENVIRONMENT")
	}
	if err := checkEnvironment(environment); err != nil {
		return Settings{}, &ValidationError{Problems: []string{"ENVIRONMENT: " + err.Error()}}
	}

	path := filepath.Join(root, "env", environment, ".env")
	vars, found, err := readDotenvFile(path, processVars)
	if err != nil {
		return Settings{}, err
	}
	if fileEnvironment, ok := vars["ENVIRONMENT"]; ok && fileEnvironment != environment {
		return Settings{}, &ValidationError{Problems: []string{
			"ENVIRONMENT: " + path + " sets it to another environment; set ENVIRONMENT in the process environment instead",
		}}
	}
	maps.Copy(vars, processVars)

	s, err := Parse(vars)
	if err != nil {
		fileState := "found"
		if !found {
			fileState = "not found"
		}
		return Settings{}, fmt.Errorf("environment %s, file %s (%s): %w", environment, path, fileState, err)
	}
	s.EnvFile, s.EnvFileFound = path, found
	return s, nil
}

// readDotenvFile parses the .env file at path, expanding ${...} with
// processVars first, as python-dotenv's load_dotenv does. A missing file
// gives no variables and found == false. A setting that the file fills
// with a secret through ${...} is a [*ValidationError], since it would be
// logged.
func readDotenvFile(path string, processVars map[string]string) (vars map[string]string, found bool, err error) {
	file, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return make(map[string]string), false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("settings file: %w", err)
	}
	defer file.Close()
	bindings, err := parseDotenv(file, path, func(key string) (string, bool) {
		value, ok := processVars[key]
		return value, ok
	})
	if err != nil {
		return nil, true, err
	}
	if problems := secretExpansionProblems(path, bindings); len(problems) > 0 {
		return nil, true, &ValidationError{Problems: problems}
	}
	return dotenvValues(bindings), true, nil
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
