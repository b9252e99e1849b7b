package settings

import (
	"errors"
	"slices"
	"strings"
)

// maxExpandedBytes caps the values of a .env file together, after
// expansion. A ${NAME} may copy a value that was itself expanded, so a
// few short lines could otherwise double a value again and again until
// memory runs out.
const maxExpandedBytes = 4 << 20

// errExpandedTooLarge is the reason given when maxExpandedBytes is reached.
var errExpandedTooLarge = errors.New("values grow past 4 MiB through ${...} expansion")

// expand replaces each ${NAME} and ${NAME:-default} in value, scanning
// left to right as python-dotenv does (src/dotenv/variables.py). It also
// returns the names value was expanded from, including those the
// referenced keys of the file were expanded from.
//
// The reference syntax is python-dotenv's, not the shell's: NAME is any
// text without } or :, the default is any text without } and is not
// expanded itself, and "${NAME" without its brace, ${NAME:x} and $NAME
// stay as written.
func (p *dotenvParser) expand(value string) (string, []string, error) {
	if !strings.Contains(value, "${") {
		return value, nil, nil
	}
	var expanded strings.Builder
	var from []string
	for {
		start := strings.Index(value, "${")
		if start < 0 {
			break
		}
		ref, ok := parseReference(value[start:])
		if !ok {
			expanded.WriteString(value[:start+1])
			value = value[start+1:]
			continue
		}
		resolved, sources := p.resolve(ref)
		if p.expandedSize+expanded.Len()+start+len(resolved) > maxExpandedBytes {
			return "", nil, errExpandedTooLarge
		}
		expanded.WriteString(value[:start])
		expanded.WriteString(resolved)
		from = append(from, ref.name)
		from = append(from, sources...)
		value = value[start+ref.length:]
	}
	expanded.WriteString(value)
	slices.Sort(from)
	return expanded.String(), slices.Compact(from), nil
}

// reference is one ${NAME} or ${NAME:-default}.
type reference struct {
	name, fallback string
	hasFallback    bool
	length         int // in bytes, from $ to }
}

// parseReference reads the reference at the start of s, which begins
// with "${". It reports false when s does not start with a reference.
func parseReference(s string) (reference, bool) {
	rest := s[len("${"):]
	nameEnd := strings.IndexAny(rest, "}:")
	if nameEnd < 0 {
		return reference{}, false
	}
	ref := reference{name: rest[:nameEnd]}
	if rest[nameEnd] == '}' {
		ref.length = len("${") + nameEnd + len("}")
		return ref, true
	}
	after, isFallback := strings.CutPrefix(rest[nameEnd:], ":-")
	fallbackEnd := strings.IndexByte(after, '}')
	if !isFallback || fallbackEnd < 0 {
		return reference{}, false
	}
	ref.fallback, ref.hasFallback = after[:fallbackEnd], true
	ref.length = len("${") + nameEnd + len(":-") + fallbackEnd + len("}")
	return ref, true
}

// resolve gives ref's value the way load_dotenv does without override:
// the process environment first, even when the variable is empty there,
// then the statements above, then the default. A key given above without
// a value counts as defined and empty, so its default does not apply.
func (p *dotenvParser) resolve(ref reference) (value string, expandedFrom []string) {
	if value, ok := p.lookupEnv(ref.name); ok {
		return value, nil
	}
	if b, ok := p.bindings[ref.name]; ok {
		return b.value, b.expandedFrom
	}
	if p.unset[ref.name] || !ref.hasFallback {
		return "", nil
	}
	return ref.fallback, nil
}
