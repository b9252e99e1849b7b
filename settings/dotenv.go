package settings

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxDotenvBytes caps the size of a .env file. Real files are a few
// kilobytes; the cap stops a wrong file (a binary, a log) from being read
// whole into memory.
const maxDotenvBytes = 1 << 20

// byteOrderMark is what some Windows editors write at the start of a
// UTF-8 file.
const byteOrderMark = "\uFEFF"

// SyntaxError reports a statement in a .env file that python-dotenv could
// not parse either, or a value an environment variable cannot hold. It
// never contains a value, which may be a secret; Reason names the key
// when one was read.
type SyntaxError struct {
	File   string // the filename given to ParseDotenv
	Line   int    // 1-based: the line where the statement starts
	Reason string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Reason)
}

// ParseDotenv reads the variables a .env file sets, giving the values
// python-dotenv's load_dotenv gives for the same file, so that one file can
// serve a Python service and this one. filename is used only in error
// messages. lookupEnv reports the process environment, as [os.LookupEnv]
// does; nil stands for an empty one. The map holds the file's values; it is
// for the caller to let the process environment win over them, as [Load]
// does.
//
// What is read:
//
//   - Statements KEY=value, optionally after "export ". Blanks around the
//     key, the = and an unquoted value are ignored. A key is any run of
//     characters other than =, # and white space (app.name, my-key, 1KEY
//     and grüße are keys), or anything but a quote inside 'single quotes'.
//   - A line starting with # is a comment. After an unquoted value, a #
//     preceded by white space starts a comment; any other # belongs to the
//     value, so A=b#c sets "b#c" and A= #c sets "#c".
//   - 'Single quotes' keep their content; only \' and \\ are decoded.
//   - "Double quotes" decode \\ \' \" \a \b \f \n \r \t \v; any other
//     backslash pair is kept as written.
//   - After a closing quote, only blanks and a # comment may follow, with
//     or without a blank before the #.
//   - A quoted value may span lines, such as a PEM key.
//   - A KEY alone, or export KEY, sets nothing, and undoes an earlier
//     KEY=value in the same file.
//   - LF, CRLF and CR line ends are all accepted; line ends inside a quoted
//     value become LF, as Python's text files make them. A UTF-8 byte order
//     mark at the start is ignored.
//   - When a key appears twice, the later statement wins.
//
// What is expanded, in unquoted and double-quoted values only: ${NAME} and
// ${NAME:-default}. NAME is looked up first in the process environment,
// which wins over the file as it does for the keys themselves, then in the
// statements above, and is otherwise empty (or the default, which is taken
// literally and used only when NAME is set nowhere). $NAME without braces
// is kept, and so is everything in single quotes, which is how to write a
// literal ${...}.
//
// What is refused: a statement python-dotenv cannot parse (where it
// logs a warning and skips the statement, this function refuses the file),
// a file that is not UTF-8 or is larger than 1 MiB, a NUL character in a
// key or value, a quoted key containing =, and values that expansion grows
// past 4 MiB. Each is a [*SyntaxError] naming the file and the line where
// the statement starts. An error reading r is returned wrapped with
// filename.
func ParseDotenv(r io.Reader, filename string, lookupEnv func(key string) (value string, ok bool)) (map[string]string, error) {
	bindings, err := parseDotenv(r, filename, lookupEnv, nil)
	if err != nil {
		return nil, err
	}
	return dotenvValues(bindings), nil
}

// dotenvBinding is what a .env file says about one key.
type dotenvBinding struct {
	value string
	line  int
	// tracked names the tracked variables (see dotenvParser.track) whose
	// values went into this one, directly or through other keys of the
	// file.
	tracked []string
}

// parseDotenv is ParseDotenv keeping, for each key, where it was set and
// which of the variables that track reports it was expanded from; track
// may be nil.
func parseDotenv(r io.Reader, filename string, lookupEnv func(string) (string, bool), track func(string) bool) (map[string]dotenvBinding, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxDotenvBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", filename, err)
	}
	if len(data) > maxDotenvBytes {
		return nil, &SyntaxError{
			File:   filename,
			Line:   bytes.Count(universalNewlines(data[:maxDotenvBytes]), []byte("\n")) + 1,
			Reason: "file larger than 1 MiB",
		}
	}
	text := string(universalNewlines(bytes.TrimPrefix(data, []byte(byteOrderMark))))
	if !utf8.ValidString(text) {
		bad := firstInvalidUTF8(text)
		return nil, &SyntaxError{File: filename, Line: strings.Count(text[:bad], "\n") + 1, Reason: "not valid UTF-8"}
	}
	if lookupEnv == nil {
		lookupEnv = func(string) (string, bool) { return "", false }
	}
	p := &dotenvParser{
		text:      text,
		line:      1,
		lookupEnv: lookupEnv,
		track:     track,
		bindings:  make(map[string]dotenvBinding),
		unset:     make(map[string]bool),
	}
	if err := p.parse(); err != nil {
		return nil, &SyntaxError{File: filename, Line: p.statementLine, Reason: err.Error()}
	}
	var firstErr *SyntaxError
	for key, b := range p.bindings {
		err := checkEnvironmentVariable(key, b.value, lookupEnv)
		if err != nil && (firstErr == nil || b.line < firstErr.Line) {
			firstErr = &SyntaxError{File: filename, Line: b.line, Reason: err.Error()}
		}
	}
	if firstErr != nil {
		return nil, firstErr
	}
	return p.bindings, nil
}

// dotenvValues returns the value of each binding.
func dotenvValues(bindings map[string]dotenvBinding) map[string]string {
	vars := make(map[string]string, len(bindings))
	for key, b := range bindings {
		vars[key] = b.value
	}
	return vars
}

// universalNewlines turns CRLF and lone CR line ends into LF, as Python
// does when it opens a file as text; python-dotenv never sees a CR.
func universalNewlines(data []byte) []byte {
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	return bytes.ReplaceAll(data, []byte("\r"), []byte("\n"))
}

func firstInvalidUTF8(s string) int {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return i
			}
		}
	}
	return len(s)
}

// checkEnvironmentVariable refuses what load_dotenv fails on when it puts
// the variable into the process environment: Python raises an error for
// a NUL in a key or value and for = in a key. It skips keys the process
// environment already has, so a value there may hold anything.
func checkEnvironmentVariable(key, value string, lookupEnv func(string) (string, bool)) error {
	switch {
	case strings.ContainsRune(key, 0):
		return errors.New("NUL character in a key")
	case strings.Contains(key, "="):
		return errors.New("= in a quoted key")
	}
	if _, inProcess := lookupEnv(key); !inProcess && strings.ContainsRune(value, 0) {
		return fmt.Errorf("%sNUL character in the value", keyPrefix(key))
	}
	return nil
}

// dotenvParser reads text statement by statement. Its rules follow
// python-dotenv's parser (src/dotenv/parser.py): it reads what that parser
// reads, in the same order, and fails where that one does.
type dotenvParser struct {
	text          string
	pos           int
	line          int // the line pos is on
	statementLine int // the line the current statement starts on
	lookupEnv     func(string) (string, bool)
	// track reports the variables whose way into other values is
	// followed (the secrets, for Load); nil follows none. Only a few may
	// be tracked: each value carries the list of those it came from.
	track func(string) bool

	bindings map[string]dotenvBinding
	// unset holds the keys given without a value. load_dotenv sets none of
	// them, but a ${KEY} further down finds KEY defined and empty, so its
	// default does not apply.
	unset        map[string]bool
	expandedSize int // the bytes of every value so far, see maxExpandedBytes
}

func (p *dotenvParser) parse() error {
	for {
		p.skip(isPythonSpace)
		if p.pos == len(p.text) {
			return nil
		}
		p.statementLine = p.line
		if err := p.statement(); err != nil {
			return err
		}
	}
}

// statement reads one statement and the line end after it.
func (p *dotenvParser) statement() error {
	p.skipExport()
	if p.peek() == '#' {
		return p.endOfLine()
	}
	key, err := p.key()
	if err != nil {
		return err
	}
	p.skip(isInlineSpace)
	if p.peek() != '=' {
		if err := p.endOfLine(); err != nil {
			// Without the key: a line that is not a statement may be a
			// pasted secret.
			return errors.New("expected = after the key")
		}
		p.unset[key] = true
		delete(p.bindings, key)
		return nil
	}
	p.pos++
	p.skip(isInlineSpace)
	b, err := p.value()
	if err != nil {
		return fmt.Errorf("%s%w", keyPrefix(key), err)
	}
	if err := p.endOfLine(); err != nil {
		return fmt.Errorf("%sunexpected text after the closing quote", keyPrefix(key))
	}
	p.expandedSize += len(b.value)
	p.bindings[key] = b
	delete(p.unset, key)
	return nil
}

// value reads the value after the = and the blanks that follow it.
func (p *dotenvParser) value() (dotenvBinding, error) {
	b := dotenvBinding{line: p.statementLine}
	var err error
	switch p.peek() {
	case '\'':
		raw, err := p.quoted('\'')
		if err != nil {
			return b, err
		}
		// Single quotes are never expanded, unlike in python-dotenv: as in
		// the shell, they are the way to write a literal ${...}.
		b.value = decodeSingleQuoted(raw)
		return b, nil
	case '"':
		raw, err := p.quoted('"')
		if err != nil {
			return b, err
		}
		b.value, b.tracked, err = p.expand(decodeDoubleQuoted(raw))
		return b, err
	}
	b.value, b.tracked, err = p.expand(p.unquoted())
	return b, err
}

// skipExport skips "export" when blanks follow it, which lets a .env file
// double as a shell script. "export=1" and "exported=1" set keys.
func (p *dotenvParser) skipExport() {
	rest, found := strings.CutPrefix(p.text[p.pos:], "export")
	if !found {
		return
	}
	if r, _ := utf8.DecodeRuneInString(rest); !isInlineSpace(r) {
		return
	}
	p.pos += len("export")
	p.skip(isInlineSpace)
}

// key reads a key: quoted, anything but a single quote; unquoted, a run
// of characters other than =, # and white space.
func (p *dotenvParser) key() (string, error) {
	if p.peek() == '\'' {
		end := strings.IndexByte(p.text[p.pos+1:], '\'')
		switch {
		case end < 0:
			return "", errors.New("unterminated single quote in a key")
		case end == 0:
			return "", errors.New("empty key")
		}
		key := p.text[p.pos+1 : p.pos+1+end]
		p.advance(end + 2)
		return key, nil
	}
	start := p.pos
	p.skip(func(r rune) bool { return r != '=' && r != '#' && !isPythonSpace(r) })
	if p.pos == start {
		return "", errors.New("expected a key")
	}
	return p.text[start:p.pos], nil
}

// quoted reads a value in quote marks and returns its text undecoded.
//
// python-dotenv finds the closing quote with a backtracking regular
// expression: a backslash before a quote keeps that quote in the value,
// unless no later quote closes the value, in which case the last such
// escaped quote closes it after all. So "C:\\" at the end of a file is
// C:\, while "a\" followed by a later quote runs on to that quote.
func (p *dotenvParser) quoted(quote byte) (string, error) {
	start := p.pos + 1
	closing, lastEscaped := -1, -1
	for i := start; i < len(p.text) && closing < 0; i++ {
		switch {
		case p.text[i] == '\\' && i+1 < len(p.text) && p.text[i+1] == quote:
			lastEscaped = i + 1
			i++
		case p.text[i] == quote:
			closing = i
		}
	}
	if closing < 0 {
		closing = lastEscaped
	}
	if closing < 0 {
		if quote == '"' {
			return "", errors.New("unterminated double quote")
		}
		return "", errors.New("unterminated single quote")
	}
	raw := p.text[start:closing]
	p.advance(closing + 1 - p.pos)
	return raw, nil
}

// unquoted reads the rest of the line. A comment starts at the first #
// that follows white space, and white space is trimmed from the end.
func (p *dotenvParser) unquoted() string {
	start := p.pos
	p.skipRestOfLine()
	value := p.text[start:p.pos]
	spaceStart := -1
	for i, r := range value {
		switch {
		case r == '#' && spaceStart >= 0:
			value = value[:spaceStart]
			return strings.TrimRightFunc(value, isPythonSpace)
		case isPythonSpace(r):
			if spaceStart < 0 {
				spaceStart = i
			}
		default:
			spaceStart = -1
		}
	}
	return strings.TrimRightFunc(value, isPythonSpace)
}

// endOfLine reads blanks, a # comment and the line end.
func (p *dotenvParser) endOfLine() error {
	p.skip(isInlineSpace)
	if p.peek() == '#' {
		p.skipRestOfLine()
	}
	switch p.peek() {
	case '\n':
		p.advance(1)
	case 0:
		if p.pos < len(p.text) {
			return errors.New("unexpected text")
		}
	default:
		return errors.New("unexpected text")
	}
	return nil
}

// peek returns the next byte, or 0 at the end of the text.
func (p *dotenvParser) peek() byte {
	if p.pos == len(p.text) {
		return 0
	}
	return p.text[p.pos]
}

// advance moves n bytes forward, counting the lines passed.
func (p *dotenvParser) advance(n int) {
	p.line += strings.Count(p.text[p.pos:p.pos+n], "\n")
	p.pos += n
}

// skip moves past the runes that satisfy keep.
func (p *dotenvParser) skip(keep func(rune) bool) {
	n := strings.IndexFunc(p.text[p.pos:], func(r rune) bool { return !keep(r) })
	if n < 0 {
		n = len(p.text) - p.pos
	}
	p.advance(n)
}

func (p *dotenvParser) skipRestOfLine() {
	p.skip(func(r rune) bool { return r != '\n' })
}

// decodeSingleQuoted decodes \\ and \' and keeps every other backslash.
func decodeSingleQuoted(raw string) string {
	if !strings.Contains(raw, `\`) {
		return raw
	}
	var value strings.Builder
	for i := 0; i < len(raw); i++ {
		if raw[i] == '\\' && i+1 < len(raw) && (raw[i+1] == '\\' || raw[i+1] == '\'') {
			i++
		}
		value.WriteByte(raw[i])
	}
	return value.String()
}

// doubleQuoteEscapes maps the letter after a backslash in double quotes to
// what the pair stands for, as Python's string escapes do.
var doubleQuoteEscapes = [256]byte{
	'\\': '\\', '\'': '\'', '"': '"',
	'a': '\a', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t', 'v': '\v',
}

// decodeDoubleQuoted decodes the escapes of doubleQuoteEscapes, left to
// right, and keeps any other backslash pair as written. Working byte by
// byte is safe for UTF-8: every byte it acts on is ASCII, and ASCII bytes
// never occur inside a multi-byte character.
func decodeDoubleQuoted(raw string) string {
	if !strings.Contains(raw, `\`) {
		return raw
	}
	var value strings.Builder
	for i := 0; i < len(raw); i++ {
		if raw[i] == '\\' && i+1 < len(raw) && doubleQuoteEscapes[raw[i+1]] != 0 {
			i++
			value.WriteByte(doubleQuoteEscapes[raw[i]])
			continue
		}
		value.WriteByte(raw[i])
	}
	return value.String()
}

// isPythonSpace reports what Python's regular expressions match with \s
// and str.strip removes: Unicode white space, plus the four ASCII
// separators U+001C to U+001F, which Python counts as white space and Go
// does not.
func isPythonSpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// isInlineSpace is white space that does not end a line.
func isInlineSpace(r rune) bool {
	return r != '\n' && isPythonSpace(r)
}

// keyPrefix is "KEY: " for an error message about key, or "" when the key
// does not look like a variable name and so might be a pasted value.
func keyPrefix(key string) string {
	for _, r := range key {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("_.-", r) {
			return ""
		}
	}
	return key + ": "
}
