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
// returns the tracked names (see dotenvParser.track) that value was
// expanded from, directly or through the keys of the file it refers to.
//
// The reference syntax is python-dotenv's, not the shell's: NAME is any
// text without } or :, the default is any text without } and is not
// expanded itself, and "${NAME" without its brace, ${NAME:x} and $NAME
// stay as written.
//
// The work is linear in the length of value plus the bytes it copies,
// which maxExpandedBytes caps: each byte of value is scanned once, and
// a reference costs one lookup and a merge of the short tracked lists,
// whatever the referenced values hold. An empty value costs nothing to
// copy, so no list may grow with the number of references to it.
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
		ref, scanned, ok := parseReference(value[start:])
		if scanned < 0 {
			break // no } in the rest of value: nothing further can be a reference
		}
		if !ok {
			// Every "${" inside the scanned text would end its name at
			// the same place, and fail the same way: skip it all.
			expanded.WriteString(value[:start+scanned])
			value = value[start+scanned:]
			continue
		}
		resolved, sources := p.resolve(ref)
		if p.expandedSize+expanded.Len()+start+len(resolved) > maxExpandedBytes {
			return "", nil, errExpandedTooLarge
		}
		expanded.WriteString(value[:start])
		expanded.WriteString(resolved)
		from = p.addTracked(from, ref.name)
		for _, source := range sources {
			from = addName(from, source)
		}
		value = value[start+scanned:]
	}
	expanded.WriteString(value)
	return expanded.String(), from, nil
}

// addTracked adds name to list when the parser tracks it.
func (p *dotenvParser) addTracked(list []string, name string) []string {
	if p.track == nil || !p.track(name) {
		return list
	}
	return addName(list, name)
}

// addName adds name to list unless it is there already. The lists hold
// tracked names only, a handful, so a linear search is the fastest.
func addName(list []string, name string) []string {
	if slices.Contains(list, name) {
		return list
	}
	return append(list, name)
}

// reference is one ${NAME} or ${NAME:-default}.
type reference struct {
	name, fallback string
	hasFallback    bool
}

// parseReference reads the reference at the start of s, which begins
// with "${". It returns the reference and its length in bytes, from $ to
// }, or, when s does not start with a reference, ok == false and how far
// it looked: up to the : that is not followed by -, or -1 when no }
// follows at all.
func parseReference(s string) (ref reference, scanned int, ok bool) {
	rest := s[len("${"):]
	nameEnd := strings.IndexAny(rest, "}:")
	if nameEnd < 0 {
		return reference{}, -1, false
	}
	ref.name = rest[:nameEnd]
	if rest[nameEnd] == '}' {
		return ref, len("${") + nameEnd + len("}"), true
	}
	after, isFallback := strings.CutPrefix(rest[nameEnd:], ":-")
	if !isFallback {
		return reference{}, len("${") + nameEnd, false
	}
	fallbackEnd := strings.IndexByte(after, '}')
	if fallbackEnd < 0 {
		return reference{}, -1, false
	}
	ref.fallback, ref.hasFallback = after[:fallbackEnd], true
	return ref, len("${") + nameEnd + len(":-") + fallbackEnd + len("}"), true
}

// resolve gives ref's value the way load_dotenv does without override:
// the process environment first, even when the variable is empty there,
// then the statements above, then the default. A key given above without
// a value counts as defined and empty, so its default does not apply.
// The tracked names returned are those the key above was expanded from.
func (p *dotenvParser) resolve(ref reference) (value string, tracked []string) {
	if value, ok := p.lookupEnv(ref.name); ok {
		return value, nil
	}
	if b, ok := p.bindings[ref.name]; ok {
		return b.value, b.tracked
	}
	if p.unset[ref.name] || !ref.hasFallback {
		return "", nil
	}
	return ref.fallback, nil
}
